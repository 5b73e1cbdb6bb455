import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/mvshop', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document a --json run prints. */
  json<T = any>(): T;
}

/** Only what a process needs to run; the rest of the test runner's environment stays out. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { NODE_ENV: 'test' };
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

/**
 * Runs the real `bin/mvshop` as an operator's shell would, with no terminal: stdin is an empty pipe.
 * A run that outlives `timeoutMs` is killed and reported, so a hang fails the test instead of stalling it.
 */
export function mvshop(args: string[], opts: { env: Record<string, string>; cwd: string; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mvshop ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `bin/mvshop` on a pseudo-terminal (util-linux `script`), as an operator at a shell prompt: when
 * the output shows `prompt`, types `keys`, then for each of `then` in turn, once its prompt shows after
 * the last one answered, its keys. Output of both streams arrives together, as on a terminal.
 */
export function mvshopOnTerminal(
  args: string[],
  opts: { env: Record<string, string>; cwd: string; prompt: string; keys: string; then?: { prompt: string; keys: string }[]; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', [BIN, ...args].map(shellQuote).join(' '), '/dev/null'], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const steps = [{ prompt: opts.prompt, keys: opts.keys }, ...(opts.then ?? [])];
    let answered = 0;
    let seen = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      for (let step = steps[answered]; step; step = steps[answered]) {
        const at = output.indexOf(step.prompt, seen);
        if (at < 0) break;
        answered += 1;
        seen = at + step.prompt.length;
        child.stdin.write(step.keys);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mvshop ${args.join(' ')} on a terminal did not finish within ${opts.timeoutMs ?? 60_000} ms\n${output}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
