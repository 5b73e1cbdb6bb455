import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEmailToken } from '../../src/core/auth/index.ts';
import { queryRows } from '../../src/core/db/index.ts';
import { loadConfig, type Config } from '../../src/core/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { startWorker, type RunningWorker } from '../../src/worker/worker.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { dropQueuePrefix, testQueuePrefix } from '../helpers/queues.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';

const prefix = testQueuePrefix('schedules');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let mail: SmtpCapture;
let dataDir: string;
const running: RunningWorker[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  mail = await startSmtpCapture();
  dataDir = await mkdtemp(path.join(tmpdir(), 'mvshop-schedules-'));
});

afterAll(async () => {
  for (const w of running) await w.close();
  await mail?.close();
  await db?.drop();
  await dropQueuePrefix(TEST_REDIS_URL, prefix);
  await rm(dataDir, { recursive: true, force: true });
});

const config = (env: Record<string, string>): Config =>
  loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.port),
    OUTBOX_POLL_MS: '50',
    SCHEDULE_MAINTENANCE_SECONDS: '1',
    ...env,
  });

const rows = <T>(w: RunningWorker, query: ReturnType<typeof sql>) => queryRows<T>(w.core.database.db, query);

describe('schedules on BullMQ', () => {
  it('two workers running: each schedule runs once per interval, not once per worker', { timeout: 60_000 }, async () => {
    const cfg = config({ REDIS_URL: TEST_REDIS_URL, WORKER_QUEUE_PREFIX: prefix });
    const [a, b] = await Promise.all([startWorker(cfg), startWorker(cfg)]);
    running.push(a!, b!);
    for (const w of [a!, b!]) expect(w.runs).toEqual(expect.arrayContaining(['schedule:maintenance.outbox', 'schedule:maintenance.expired-tokens']));
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 6_000));
    const windowMs = Date.now() - startedAt;

    const queue = new Queue('maintenance', { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      const done = await queue.getCompleted(0, -1);
      for (const name of ['maintenance.outbox', 'maintenance.expired-tokens', 'maintenance.webhook-events']) {
        // Each run is the job of one iteration: its id names the time it was due (repeat:<name>:<ms>).
        const due = done.filter((j) => j.name === name).map((j) => Number(j.id!.split(':').pop())).sort((x, y) => x - y);
        // Twice as many would mean each worker ran its own copy.
        expect(due.length, name).toBeGreaterThanOrEqual(Math.floor(windowMs / 1000) - 2);
        expect(due.length, name).toBeLessThanOrEqual(Math.ceil(windowMs / 1000) + 1);
        for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!, name).toBeGreaterThanOrEqual(1000);
      }
    } finally {
      await queue.close();
    }
  });
});

describe('without Redis (the embedded default)', () => {
  it('the worker delivers from the outbox in process and runs its schedules on timers', { timeout: 30_000 }, async () => {
    const w = await startWorker(config({}));
    running.push(w);
    expect(w.runs).toEqual(['outbox-poller', 'timer:settlement.settle', 'timer:maintenance.expired-tokens', 'timer:maintenance.outbox', 'timer:maintenance.webhook-events']);
    const past = { ...w.core.ctx(), clock: { now: () => new Date(Date.now() - 3 * 86_400_000) } };
    await issueEmailToken(past, { purpose: 'reset-password', kind: 'user', subjectId: 'usr_inprocess', ttlMinutes: 30 });
    const to = uniqueEmail('inprocess');
    await queueEmail(w.core.ctx(), to, 'password-changed', { name: 'Ivo' });
    await mail.waitFor(to, undefined, 10_000);
    const deadline = Date.now() + 10_000;
    while ((await rows(w, sql`SELECT 1 FROM verification_tokens WHERE subject_id = 'usr_inprocess'`)).length > 0) {
      if (Date.now() > deadline) throw new Error('the expired token was not purged by the in-process timer');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
