import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { outbox } from '../../src/core/db/schema/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { dropQueuePrefix, testQueuePrefix } from '../helpers/queues.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.ts';

const prefix = testQueuePrefix('process');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let mail: SmtpCapture;
let cwd: string;
let core: Core;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  mail = await startSmtpCapture();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-worker-'));
  // Rows are written by core in this test process; only the worker process delivers them.
  core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: cwd }), { poolSize: 2 });
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await core?.close();
  await mail?.close();
  await db?.drop();
  await dropQueuePrefix(TEST_REDIS_URL, prefix);
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const env = () => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  DATABASE_URL: db.url,
  REDIS_URL: TEST_REDIS_URL,
  WORKER_QUEUE_PREFIX: prefix,
  DATA_DIR: cwd,
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(mail.port),
  SMTP_SECURE: 'false',
  OUTBOX_POLL_MS: '100',
  WORKER_SHUTDOWN_SECONDS: '20',
});

const rowStatus = async (id: string) => (await core.database.db.select().from(outbox).where(eq(outbox.id, id)))[0]?.status;

describe('npm run worker', () => {
  it('delivers a queued email through its BullMQ queue; on SIGTERM during a slow send, finishes it and exits 0', { timeout: 120_000 }, async () => {
    worker = spawnWorker(env(), cwd);
    const ready = await worker.waitForLog('worker ready', 90_000);
    expect(ready).toMatchObject({ database: 'postgres', redis: true, queuePrefix: prefix });
    expect(ready.runs).toEqual(expect.arrayContaining(['outbox-relay', 'queue:email', 'queue:maintenance', 'schedule:maintenance.outbox']));

    const first = uniqueEmail('worker');
    const firstId = await queueEmail(core.ctx(), first, 'password-changed', { name: 'Wanda' });
    expect((await mail.waitFor(first, undefined, 20_000)).subject).toMatch(/password was changed/i);
    const line = await worker.waitForLog('job finished', 10_000, (e) => e.jobId === firstId);
    expect(line).toMatchObject({ queue: 'email', job: 'mail.send', attempt: 1, outcome: 'completed' });
    expect(typeof line.durationMs).toBe('number');

    // A refused send is logged with the server's answer, the recipient's address masked.
    mail.setFailing(true);
    const refused = uniqueEmail('refused');
    const refusedId = await queueEmail(core.ctx(), refused, 'password-changed', { name: 'Rita' });
    const failure = await worker.waitForLog('job failed; it will be retried', 20_000, (e) => e.jobId === refusedId);
    mail.setFailing(false);
    expect(JSON.stringify(failure)).toMatch(/mailbox r\*\*\*@\S+ unavailable/);
    expect(JSON.stringify(worker.logs)).not.toContain(refused);
    await mail.waitFor(refused, undefined, 30_000);

    // A send the SMTP server holds for 2 s: SIGTERM arrives while it is running.
    mail.setDelay(2000);
    const slow = uniqueEmail('slow');
    const slowId = await queueEmail(core.ctx(), slow, 'password-changed', { name: 'Sam' });
    const receivingBefore = mail.receiving;
    while (mail.receiving === receivingBefore) await new Promise((r) => setTimeout(r, 20));
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(mail.messages.filter((m) => m.to === slow)).toHaveLength(1);
    expect(await rowStatus(slowId)).toBe('done');
    mail.setDelay(0);
  });
});
