import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** `npm run worker` as a child process, with only `env` (plus PATH and HOME) in its environment. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line (past or future) whose msg is `msg` and that `match` accepts. */
  waitForLog(msg: string, timeoutMs: number, match?: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(env: Record<string, string>, cwd: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', TSX, WORKER_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs,
    exited,
    waitForLog(msg, timeoutMs, match = () => true) {
      const found = () => logs.find((e) => e.msg === msg && match(e));
      const already = found();
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const listener = () => {
          const entry = found();
          if (!entry) return;
          done();
          resolve(entry);
        };
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`worker exited (${code}) before "${msg}"\nstderr: ${stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no "${msg}" log within ${timeoutMs} ms\nlogs: ${logs.map((l) => JSON.stringify(l)).join('\n').slice(-4000)}\nstderr: ${stderr}`));
        }, timeoutMs);
        function done() {
          clearTimeout(timer);
          listeners.delete(listener);
          child.off('exit', onExit);
        }
        listeners.add(listener);
        child.once('exit', onExit);
      });
    },
  };
}
