import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { outbox } from '../../src/core/db/schema/index.ts';
import { queryRows, withTx } from '../../src/core/db/index.ts';
import { verifyBooks } from '../../src/core/flows/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { dropQueuePrefix, testQueuePrefix } from '../helpers/queues.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';
import { openQueueOperations } from '../../src/worker/operations.ts';
import { seedDeliveredOrders } from '../../bench/lib/settlement-seed.ts';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.ts';

const prefix = testQueuePrefix('crash');
const EMAILS = 200;
const CONCURRENCY = 10;
/** Delivered card orders due for settlement: 40 batches of the settlement run's 1,000. */
const DUE_ORDERS = 40_000;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let mail: SmtpCapture;
let cwd: string;
let core: Core;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  mail = await startSmtpCapture();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-crash-'));
  core = await createCore(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: cwd, REDIS_URL: TEST_REDIS_URL, WORKER_QUEUE_PREFIX: prefix }),
    { poolSize: 2 },
  );
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await seedDeliveredOrders(client, { orders: DUE_ORDERS, shops: 50, deliveredAt: new Date(Date.now() - 8 * 86_400_000), tag: 'crash' });
  } finally {
    await client.end();
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await core?.close();
  await mail?.close();
  await db?.drop();
  await dropQueuePrefix(TEST_REDIS_URL, prefix);
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const start = () => {
  const w = spawnWorker(
    {
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
      // Settlement runs when the test asks for it (as `mvshop queue run settlement.settle` does).
      SCHEDULE_SETTLEMENT_SECONDS: '0',
      WORKER_CONCURRENCY_EMAIL: String(CONCURRENCY),
      // Jobs a killed worker held run again after about this long.
      WORKER_STALLED_SECONDS: '2',
    },
    cwd,
  );
  workers.push(w);
  return w;
};

const settlementJournals = async () =>
  (
    await queryRows<{ journals: number; orders: number }>(
      core.database.db,
      sql`SELECT count(*)::int AS journals, count(DISTINCT ref)::int AS orders FROM ledger_journals WHERE kind = 'settlement'`,
    )
  )[0]!;

describe('a worker killed in the middle of a batch', () => {
  it(`SIGKILL during ${EMAILS} emails and a settlement run, then a restart: every email arrives (only a send cut off by the kill can arrive twice), every order is settled once, the books verify`, { timeout: 240_000 }, async () => {
    const first = start();
    await first.waitForLog('worker ready', 90_000);
    // Each send takes 30 ms at the server, so the batch is still running when the worker is killed.
    mail.setDelay(30);
    const recipients = Array.from({ length: EMAILS }, (_, i) => uniqueEmail(`crash${i}`));
    const ids = await withTx(core.ctx(), async (tx) => {
      const ctx = { ...core.ctx(), db: tx };
      const out: string[] = [];
      for (const to of recipients) out.push(await queueEmail(ctx, to, 'password-changed', { name: 'Kim' }));
      return out;
    });

    const ops = await openQueueOperations(core);
    try {
      expect(await ops.runNow('settlement.settle')).toMatchObject({ queued: true, queue: 'settlement' });
    } finally {
      await ops.close();
    }

    while (mail.messages.length < 60 || (await settlementJournals()).journals === 0) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = mail.messages.length;
    const settledAtKill = (await settlementJournals()).journals;
    expect(atKill).toBeLessThan(EMAILS);
    // Killed with settlement batches committed and others still due.
    expect(settledAtKill).toBeGreaterThan(0);
    expect(settledAtKill).toBeLessThan(DUE_ORDERS);

    const second = start();
    await second.waitForLog('worker ready', 90_000);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const rows = await core.database.db.select({ status: outbox.status }).from(outbox).where(inArray(outbox.id, ids));
      // The settlement job the killed worker held stalls, and the new worker runs it again.
      const settled = await settlementJournals();
      if (rows.every((r) => r.status === 'done') && settled.journals >= DUE_ORDERS) break;
      if (Date.now() > deadline)
        throw new Error(`rows not done: ${rows.filter((r) => r.status !== 'done').length}; orders settled: ${settled.journals} of ${DUE_ORDERS}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const received = new Map<string, number>();
    for (const m of mail.messages) received.set(m.messageId, (received.get(m.messageId) ?? 0) + 1);
    // Every email arrived, each under the Message-ID of its outbox row (stable across attempts).
    expect([...received.keys()].sort()).toEqual(ids.map((id) => `<${id}@mvshop>`).sort());
    // A send the server accepted just before the kill, whose row the worker could not mark done,
    // is sent again: at most the jobs running at that moment, and with the same Message-ID.
    const twice = [...received.values()].filter((n) => n > 1);
    expect(twice.every((n) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);

    // Each order settled by exactly one journal, and the books hold.
    expect(await settlementJournals()).toEqual({ journals: DUE_ORDERS, orders: DUE_ORDERS });
    const [due] = await queryRows<{ n: number }>(core.database.db, sql`SELECT count(*)::int AS n FROM settlements_due`);
    expect(due!.n).toBe(0);
    const books = await verifyBooks(core.ctx());
    expect(books.ok).toBe(true);
    console.info(
      `crash test: ${atKill} emails delivered and ${settledAtKill} orders settled before the kill, ${twice.length} emails sent twice (cut off by the kill)`,
    );
  });
});
