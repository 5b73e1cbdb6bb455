import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A server under test, running in its own process so it gets a core of its own and its own RSS. */
export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Last resort (bench crashing or interrupted): kill whatever is still running, synchronously. */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAllServers);

export interface SpawnOptions {
  name: string;
  /** Absolute path of the server's entry: a .ts one runs through tsx, a .mjs one as it is. */
  script: string;
  env: Record<string, string>;
  cwd: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/**
 * Starts `node [--import tsx] <script>` (node itself, not the tsx CLI: the CLI runs the script in a
 * grandchild, so its pid would measure the wrapper's memory, not the server's). tsx only for a .ts
 * script: the mvshop servers are .mjs, so a compiled API is measured without a TypeScript loader's
 * thread and transformed modules in its RSS. The script prints
 * `listening <port>` once it accepts connections, and exits when its stdin closes (the bench died).
 */
export async function startServer(opts: SpawnOptions): Promise<ServerProcess> {
  const loader = opts.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, opts.script], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, 'exit').then(() => {
    live.delete(child);
  });

  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${opts.name} did not report its port within ${(opts.startTimeoutMs ?? 30_000) / 1000} s`)),
        opts.startTimeoutMs ?? 30_000,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const m = /^listening (\d+)$/.exec(line.trim());
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${opts.name} exited before listening (${signal ?? `code ${code}`})`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    // Drain further output so a chatty server never blocks on a full pipe.
    child.stdout!.resume();
    return { name: opts.name, pid: child.pid!, port, stop };
  } catch (err) {
    await stop(1000);
    throw new Error(`${(err as Error).message}${stderr ? `\n--- ${opts.name} stderr ---\n${stderr.trim()}` : ''}`);
  }
}
