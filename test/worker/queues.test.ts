import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/core/db/schema/index.ts';
import { queryRows } from '../../src/core/db/index.ts';
import { issueEmailToken } from '../../src/core/auth/index.ts';
import { createHeldRows, createOutboxJobRunner, relayOutbox, type RelayedJob } from '../../src/core/jobs/index.ts';
import { MAIL_TOPIC, queueEmail } from '../../src/core/mail/index.ts';
import { enqueueOutbox } from '../../src/core/outbox/index.ts';
import { openQueueOperations, type QueueOperations } from '../../src/worker/operations.ts';
import { bullmqJobQueue, closeQueues, openQueues } from '../../src/worker/queues.ts';
import { closeRedis, connectProducerRedis } from '../../src/worker/redis.ts';
import { syncSchedulers } from '../../src/worker/schedulers.ts';
import { startWorker, type RunningWorker } from '../../src/worker/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { ADDRESS, addToCart, listProduct } from '../helpers/commerce.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { dropQueuePrefix, testQueuePrefix } from '../helpers/queues.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';

const prefix = testQueuePrefix('queues');
const idlePrefix = testQueuePrefix('queues-idle');
let app: TestApp;
let stripe: FakeStripe;
let worker: RunningWorker;
let ops: QueueOperations;

beforeAll(async () => {
  stripe = await startFakeStripe();
  app = await startTestApp({
    env: {
      // The worker, not the API, delivers: every email below goes outbox → BullMQ → handler.
      OUTBOX_IN_API: 'false',
      OUTBOX_POLL_MS: '50',
      OUTBOX_MAX_ATTEMPTS: '2',
      WORKER_QUEUE_PREFIX: prefix,
      // Schedules run when a test asks (runNow), not on their own.
      SCHEDULE_PAYMENTS_RECONCILE_SECONDS: '0',
      SCHEDULE_MAINTENANCE_SECONDS: '0',
      SCHEDULE_SETTLEMENT_SECONDS: '0',
      SCHEDULE_RECONCILE_REPORT_SECONDS: '0',
      ...stripe.env,
    },
  });
  worker = await startWorker(app.config, { core: app.core });
  ops = await openQueueOperations(app.core);
});

afterAll(async () => {
  await ops?.close();
  await worker?.close();
  await app?.close();
  await stripe?.close();
  await dropQueuePrefix(TEST_REDIS_URL, prefix);
  await dropQueuePrefix(TEST_REDIS_URL, idlePrefix);
});

const db = () => app.core.database.db;
const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(db(), query);
const row = async (id: string) => (await db().select().from(outbox).where(eq(outbox.id, id)))[0]!;

async function waitUntil<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('outbox → job → handler → effect', () => {
  it('email: a queued email is relayed to the email queue under its outbox id, sent once, and its row done without the link', async () => {
    const to = uniqueEmail('relay');
    const id = await queueEmail(app.core.ctx(), to, 'reset-password', { name: 'Rhea', url: 'https://shop.test/reset/secret-token', expiresInMinutes: 30 });
    const message = await app.mail.waitFor(to);
    expect(message.messageId).toBe(`<${id}@mvshop>`);
    const done = await waitUntil(async () => ((await row(id)).status === 'done' ? row(id) : undefined), 'the row to be done');
    expect(done).toMatchObject({ attempts: 1, lastError: null, payload: { to, template: 'reset-password' } });
    expect(JSON.stringify(done.payload)).not.toContain('secret-token');
    const failedEmails = await ops.failed('email');
    expect(failedEmails.map((j) => j.id)).not.toContain(id);
    expect(app.mail.messages.filter((m) => m.to === to)).toHaveLength(1);
  });

  it('payments: the reconcile schedule, run now, finalizes a paid checkout whose webhook never came', async () => {
    const shop = await signUpShop(app);
    const product = await listProduct(shop.client, { originalPrice: 25, stock: 3 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, product, 1);
    const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
    expect(pay.status).toBe(201);
    stripe.succeed((pay.body.client_secret as string).split('_secret_')[0]!);

    const run = await ops.runNow('payments.reconcile');
    expect(run).toMatchObject({ queued: true, queue: 'payments' });
    const orders = await waitUntil(async () => {
      const found = await rows<{ id: string }>(sql`SELECT id FROM orders WHERE checkout_id = ${pay.body.checkoutId}`);
      return found.length > 0 && found;
    }, 'the reconciler to finalize the checkout');
    expect(orders).toHaveLength(1);
    // Its emails were written by the job and relayed at once (the job kicks the relay).
    await app.mail.waitFor(buyer.email, (m) => /order is confirmed/.test(m.subject));
  });

  it('maintenance: each schedule, run now, deletes what is stale and keeps what is not', async () => {
    const ctx = app.core.ctx();
    const dayAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const oldCtx = { ...ctx, clock: { now: () => dayAgo(3) } };
    await issueEmailToken(oldCtx, { purpose: 'reset-password', kind: 'user', subjectId: 'usr_stale', ttlMinutes: 30 });
    await issueEmailToken(ctx, { purpose: 'reset-password', kind: 'user', subjectId: 'usr_fresh', ttlMinutes: 30 });
    await rows(sql`INSERT INTO ended_sessions (session_id, kind, account_id, expires_at, ended_at) VALUES
      ('ses_expired_test', 'user', 'usr_stale', ${dayAgo(1).toISOString()}::timestamptz, ${dayAgo(2).toISOString()}::timestamptz),
      ('ses_live_test', 'user', 'usr_fresh', now() + interval '1 day', now())`);
    const oldDone = await enqueueOutbox(ctx, 'maintenance.test', { n: 1 });
    const recentDone = await enqueueOutbox(ctx, 'maintenance.test', { n: 2 });
    await rows(sql`UPDATE outbox SET status = 'done', processed_at = ${dayAgo(31).toISOString()}::timestamptz WHERE id = ${oldDone}`);
    await rows(sql`UPDATE outbox SET status = 'done', processed_at = now() WHERE id = ${recentDone}`);
    await rows(sql`INSERT INTO stripe_events (id, type, received_at, processed_at) VALUES
      ('evt_old_test', 'x', now() - interval '40 days', now() - interval '40 days'),
      ('evt_new_test', 'x', now(), now()),
      ('evt_unprocessed_test', 'x', now() - interval '40 days', NULL)`);

    for (const name of ['maintenance.expired-tokens', 'maintenance.outbox', 'maintenance.webhook-events']) await ops.runNow(name);
    await waitUntil(async () => (await rows(sql`SELECT 1 FROM stripe_events WHERE id = 'evt_old_test'`)).length === 0, 'old events pruned');
    await waitUntil(async () => (await rows(sql`SELECT 1 FROM outbox WHERE id = ${oldDone}`)).length === 0, 'old outbox rows pruned');
    await waitUntil(async () => (await rows(sql`SELECT 1 FROM verification_tokens WHERE subject_id = 'usr_stale'`)).length === 0, 'expired tokens purged');
    await waitUntil(async () => (await rows(sql`SELECT 1 FROM ended_sessions WHERE session_id = 'ses_expired_test'`)).length === 0, 'expired ended sessions purged');
    expect(await rows(sql`SELECT 1 FROM verification_tokens WHERE subject_id = 'usr_fresh'`)).toHaveLength(1);
    expect(await rows(sql`SELECT session_id FROM ended_sessions WHERE session_id LIKE 'ses_%_test'`)).toEqual([{ session_id: 'ses_live_test' }]);
    expect(await rows(sql`SELECT 1 FROM outbox WHERE id = ${recentDone}`)).toHaveLength(1);
    expect(await rows(sql`SELECT id FROM stripe_events WHERE id LIKE 'evt_%_test' ORDER BY id`)).toEqual([{ id: 'evt_new_test' }, { id: 'evt_unprocessed_test' }]);
  });
});

describe('failures', () => {
  it('a handler that keeps failing is retried, then its job lands in failed and its row is dead; a retry after the fix delivers it once', async () => {
    const to = uniqueEmail('failing');
    app.mail.setFailing(true);
    let id: string;
    try {
      id = await queueEmail(app.core.ctx(), to, 'password-changed', { name: 'Fay' });
      await waitUntil(async () => (await row(id)).status === 'dead', 'the row to be dead');
    } finally {
      app.mail.setFailing(false);
    }
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: 2, lastError: expect.stringMatching(/mailbox \S+ unavailable/) });
    const failed = await waitUntil(async () => (await ops.failed('email')).find((j) => j.id === id), 'the failed job');
    expect(failed).toMatchObject({ name: MAIL_TOPIC, attempts: 2, error: expect.stringMatching(/mailbox \S+ unavailable/) });
    expect(app.mail.messages.filter((m) => m.to === to)).toHaveLength(0);

    await ops.retry('email', id);
    await app.mail.waitFor(to);
    await waitUntil(async () => (await row(id)).status === 'done', 'the retried row to be done');
    expect(app.mail.messages.filter((m) => m.to === to)).toHaveLength(1);
    expect((await ops.failed('email')).map((j) => j.id)).not.toContain(id);
    await expect(ops.retry('email', id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('an email that can never render fails at once, without retries, and its row is dead', async () => {
    const id = await enqueueOutbox(app.core.ctx(), MAIL_TOPIC, { to: uniqueEmail('broken'), template: 'no-such-template', vars: {} });
    await waitUntil(async () => (await row(id)).status === 'dead', 'the row to be dead');
    expect(await row(id)).toMatchObject({ attempts: 1, lastError: 'unknown email template no-such-template' });
    const failed = await waitUntil(async () => (await ops.failed('email')).find((j) => j.id === id), 'the failed job');
    expect(failed.attempts).toBe(1);
  });

  it('a row whose topic no queue handles is marked dead by the relay', async () => {
    const id = await enqueueOutbox(app.core.ctx(), 'nobody.handles', { x: 1 });
    await waitUntil(async () => (await row(id)).status === 'dead', 'the row to be dead');
    expect((await row(id)).lastError).toBe('no queue handles outbox topic nobody.handles');
  });
});

describe('the relay', () => {
  it('a row relayed twice is one job', async () => {
    const redis = connectProducerRedis(TEST_REDIS_URL);
    await new Promise((resolve) => redis.once('ready', resolve));
    const queues = openQueues({ ...app.config, worker: { ...app.config.worker, queuePrefix: idlePrefix } }, redis);
    try {
      const jobQueue = bullmqJobQueue(queues, redis);
      const job: RelayedJob = { id: 'obx_relayedtwice', topic: MAIL_TOPIC, queue: 'email' };
      await jobQueue.publish([job]);
      await jobQueue.publish([job, { ...job, id: 'obx_another' }]);
      expect(await queues.get('email')!.getJobCounts('waiting')).toEqual({ waiting: 2 });
    } finally {
      await closeQueues(queues);
      await closeRedis(redis);
    }
  });

  it("a job's first start delivers its row as the relay claimed it; a later start reads the row and sends nothing twice", async () => {
    const to = uniqueEmail('held');
    // Due only for this relay (a clock a day ahead), so the running worker's relay leaves it alone.
    const id = await enqueueOutbox(app.core.ctx(), MAIL_TOPIC, { to, template: 'password-changed', vars: { name: 'Hal' } }, { delayMs: 86_400_000 });
    const later = { ...app.core.ctx(), clock: { now: () => new Date(Date.now() + 2 * 86_400_000) } };
    const held = createHeldRows();
    const published: RelayedJob[] = [];
    try {
      expect(await relayOutbox(later, { publish: async (jobs) => void published.push(...jobs) }, { batch: 10, held })).toBe(1);
      expect(published.map((j) => j.id)).toEqual([id]);
      // Changed after the claim: the first start goes by the claim, not by a second read.
      await rows(sql`UPDATE outbox SET payload = jsonb_set(payload, '{to}', '"changed@example.test"') WHERE id = ${id}`);
      const runner = createOutboxJobRunner(later, held);
      expect(await runner.run(later, id, { lastAttempt: false, firstStart: true })).toBe('done');
      expect((await app.mail.waitFor(to)).messageId).toBe(`<${id}@mvshop>`);
      expect(await row(id)).toMatchObject({ status: 'done', attempts: 1 });
      // Started again (a stall after the row was done, or a retry): the row says it was delivered.
      expect(await runner.run(later, id, { lastAttempt: false, firstStart: false })).toBe('skipped');
      expect(await runner.run(later, id, { lastAttempt: false, firstStart: true })).toBe('skipped');
      await new Promise((r) => setTimeout(r, 200));
      expect(app.mail.messages.filter((m) => m.messageId === `<${id}@mvshop>`)).toHaveLength(1);
      expect(app.mail.messages.some((m) => m.to === 'changed@example.test')).toBe(false);
    } finally {
      await rows(sql`DELETE FROM outbox WHERE id = ${id}`);
    }
  });

  it('when Redis cannot be reached, the rows stay pending in the outbox and the relay says why', async () => {
    const redis = connectProducerRedis('redis://127.0.0.1:9');
    const queues = openQueues(app.config, redis);
    for (const q of queues.values()) q.on('error', () => undefined);
    // Due only for this relay (a clock a day ahead), so the running worker's relay leaves it alone.
    const id = await enqueueOutbox(app.core.ctx(), MAIL_TOPIC, { to: uniqueEmail('down'), template: 'password-changed', vars: { name: 'D' } }, { delayMs: 86_400_000 });
    const later = { ...app.core.ctx(), clock: { now: () => new Date(Date.now() + 2 * 86_400_000) } };
    try {
      await expect(relayOutbox(later, bullmqJobQueue(queues, redis), { batch: 10 })).rejects.toThrow(/Redis is not connected/);
      expect(await row(id)).toMatchObject({ status: 'pending', claimedUntil: null, attempts: 0 });
    } finally {
      await closeQueues(queues);
      await closeRedis(redis);
      await rows(sql`DELETE FROM outbox WHERE id = ${id}`);
    }
  });
});

describe('operations', () => {
  it('counts jobs per queue, and a paused queue holds its jobs until resumed', async () => {
    await ops.pause('email');
    const to = uniqueEmail('paused');
    try {
      await queueEmail(app.core.ctx(), to, 'password-changed', { name: 'Pia' });
      const counts = await waitUntil(async () => {
        const c = (await ops.counts()).find((q) => q.queue === 'email')!;
        return c.waiting > 0 && c;
      }, 'the job to wait');
      expect(counts.paused).toBe(true);
      expect(app.mail.messages.filter((m) => m.to === to)).toHaveLength(0);
    } finally {
      await ops.resume('email');
    }
    await app.mail.waitFor(to);
    const after = await ops.counts();
    expect(after.map((c) => c.queue)).toEqual(['email', 'payments', 'settlement', 'maintenance']);
    expect(after.find((c) => c.queue === 'email')).toMatchObject({ paused: false });
  });

  it('names what it does not know', async () => {
    await expect(ops.pause('bogus')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/Unknown queue "bogus"/) });
    await expect(ops.runNow('payments.nothing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ops.retry('email', 'obx_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists the schedules; an interval of 0 removes a schedule Redis still held', async () => {
    const queues = openQueues(app.config, worker.redis!);
    try {
      const on = { ...app.config, schedules: { ...app.config.schedules, maintenanceMs: 60_000 } };
      await syncSchedulers(on, queues);
      // Redis now holds it; this process's own config (maintenance off) still says it is not on here.
      const listed = (await ops.schedules()).find((s) => s.name === 'maintenance.outbox');
      expect(listed).toMatchObject({ enabled: false, queue: 'maintenance', nextRunAt: expect.stringMatching(/^\d{4}-/) });
      expect((await queues.get('maintenance')!.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
        'maintenance.expired-tokens',
        'maintenance.outbox',
        'maintenance.webhook-events',
      ]);
      await syncSchedulers(app.config, queues);
      expect(await queues.get('maintenance')!.getJobSchedulers()).toEqual([]);
      expect((await ops.schedules()).every((s) => !s.enabled && s.nextRunAt === null)).toBe(true);
    } finally {
      await closeQueues(queues);
    }
  });
});
