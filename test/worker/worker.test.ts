import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, loadConfig } from '../../src/core/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';

const WORKER_MAIN = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let mail: SmtpCapture;
let cwd: string;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  mail = await startSmtpCapture();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-worker-'));
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await mail?.close();
  await db?.drop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** Resolves with the first JSON log line of `stream` whose msg is `msg`. */
function waitForLog(child: ChildProcess, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`no "${msg}" log within ${timeoutMs} ms\nstdout: ${buffer}\nstderr: ${stderr}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before "${msg}"\nstdout: ${buffer}\nstderr: ${stderr}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === msg) {
            clearTimeout(timer);
            resolve(entry);
          }
        } catch {
          // a partial line; the rest arrives with the next chunk
        }
      }
    });
  });
}

describe('worker process', () => {
  it('delivers a queued email over SMTP, then on SIGTERM finishes and exits 0', { timeout: 120_000 }, async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? cwd,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      DATA_DIR: cwd,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(mail.port),
      SMTP_SECURE: 'false',
      OUTBOX_POLL_MS: '100',
    };
    worker = spawn(process.execPath, ['--import', TSX, WORKER_MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await waitForLog(worker, 'worker ready', 90_000);
    expect(ready).toMatchObject({ runs: ['outbox-poller'], database: 'postgres', redis: true });

    // The row is written by core in this test process; only the worker process polls the outbox.
    const to = uniqueEmail('worker');
    const core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: cwd }), { poolSize: 1 });
    try {
      await queueEmail(core.ctx({ kind: 'system', name: 'test' }), to, 'password-changed', { name: 'Wanda' });
    } finally {
      await core.close();
    }
    const message = await mail.waitFor(to, undefined, 20_000);
    expect(message.subject).toMatch(/password was changed/i);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      worker!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    worker.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
