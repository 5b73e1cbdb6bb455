import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A long-running mvshop program (API or worker) as a real child process, as `npm start` runs it. */
export interface ProgramProcess {
  child: ChildProcess;
  /** Everything it logged so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first JSON log line whose msg matches. */
  waitForLog(match: RegExp, timeoutMs?: number): Promise<Record<string, any>>;
  /** Sends a signal and resolves with the exit code (SIGKILL resolves with null). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function startProgram(entry: 'src/api/main.ts' | 'src/worker/main.ts', env: Record<string, string>): ProgramProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners: (() => void)[] = [];
  const onData = (d: Buffer) => {
    text += d.toString('utf8');
    listeners.splice(0).forEach((l) => l());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    waitForLog(match, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line matching ${match} within ${timeoutMs} ms:\n${text}`)), timeoutMs);
        const check = () => {
          for (const line of text.split('\n')) {
            try {
              const parsed = JSON.parse(line) as Record<string, any>;
              if (typeof parsed.msg === 'string' && match.test(parsed.msg)) {
                clearTimeout(timer);
                return resolve(parsed);
              }
            } catch {
              // Not a log line.
            }
          }
          if (child.exitCode !== null) {
            clearTimeout(timer);
            return reject(new Error(`${entry} exited with ${child.exitCode} before logging ${match}:\n${text}`));
          }
          listeners.push(check);
        };
        check();
      });
    },
    async stop(signal = 'SIGINT', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
