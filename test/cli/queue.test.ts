import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { outbox } from '../../src/core/db/schema/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { openQueueOperations, type QueueOperations } from '../../src/worker/operations.ts';
import { startWorker, type RunningWorker } from '../../src/worker/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { dropQueuePrefix, testQueuePrefix } from '../helpers/queues.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { baseEnv, BIN, mvshop, mvshopOnTerminal } from './run-cli.ts';

// Each case starts real `mvshop` processes; CI machines can be busy.
vi.setConfig({ testTimeout: 60_000 });

const prefix = testQueuePrefix('cli-queue');
let app: TestApp;
let worker: RunningWorker;
let ops: QueueOperations;
let sql: pg.Client;
let cwd: string;
let env: Record<string, string>;

// Schedules run when a test asks, not on their own; the CLI reads the same settings.
const schedulesOff = { SCHEDULE_PAYMENTS_RECONCILE_SECONDS: '0', SCHEDULE_MAINTENANCE_SECONDS: '0', SCHEDULE_SETTLEMENT_SECONDS: '0' };

beforeAll(async () => {
  app = await startTestApp({
    // The worker delivers, so a failed email is a failed BullMQ job.
    env: { OUTBOX_IN_API: 'false', OUTBOX_MAX_ATTEMPTS: '1', WORKER_QUEUE_PREFIX: prefix, ...schedulesOff },
  });
  worker = await startWorker(app.config, { core: app.core });
  ops = await openQueueOperations(app.core);
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-queue-'));
  env = { ...baseEnv(), ...schedulesOff, DATABASE_URL: app.databaseUrl, DATA_DIR: cwd, REDIS_URL: TEST_REDIS_URL, WORKER_QUEUE_PREFIX: prefix, MVSHOP_OPERATOR: 'ops-quinn' };
});

afterAll(async () => {
  await sql?.end();
  await ops?.close();
  await worker?.close();
  await app?.close();
  await dropQueuePrefix(TEST_REDIS_URL, prefix);
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (...args: string[]) => mvshop(args, { cwd, env });
const audits = async (action: string) =>
  (await sql.query(`SELECT actor, target, reason, details FROM audit_log WHERE action = $1 ORDER BY seq`, [action])).rows;
const queueState = async (queue: string) => (await ops.counts()).find((c) => c.queue === queue)!;

const within = { timeout: 15_000, interval: 50 };

/** An email whose only attempt met a broken SMTP server: its job is failed and its outbox row dead. */
async function failedEmail() {
  const to = uniqueEmail('queue-cli');
  app.mail.setFailing(true);
  let id: string;
  try {
    id = await queueEmail(app.core.ctx(), to, 'password-changed', { name: 'Quinn' });
    await vi.waitFor(async () => expect((await ops.job('email', id))?.state).toBe('failed'), within);
  } finally {
    app.mail.setFailing(false);
  }
  return { to, id };
}

describe('mvshop queue stats and failed', () => {
  it('stats --json gives every queue with its counts and every schedule', async () => {
    const res = await run('queue', 'stats', '--json');
    expect(res.code, res.stderr).toBe(0);
    const body = res.json();
    expect(body.queues.map((q: any) => q.queue)).toEqual(['email', 'payments', 'settlement', 'maintenance']);
    for (const q of body.queues)
      expect(q).toEqual({ queue: q.queue, paused: false, waiting: expect.any(Number), active: expect.any(Number), delayed: expect.any(Number), prioritized: expect.any(Number), failed: expect.any(Number), completed: expect.any(Number) });
    expect(body.schedules).toContainEqual({ name: 'settlement.settle', queue: 'settlement', everySeconds: 0, enabled: false, nextRunAt: null });
    const table = await run('queue', 'stats');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/│ email\s+│ running\s+│/);
  });

  it('failed --json lists a failed job with its error; the table names its queue', async () => {
    const { id } = await failedEmail();
    const res = await run('queue', 'failed', '--queue', 'email', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json().jobs).toContainEqual({ queue: 'email', id, name: 'mail.send', error: expect.stringMatching(/mailbox \S+ unavailable/), attempts: 1, failedAt: expect.any(String) });
    const table = await run('queue', 'failed');
    expect(table.stdout).toMatch(new RegExp(`│ email\\s+│ ${id}\\s+│ mail\\.send`));
  });
});

describe('mvshop queue retry', () => {
  it('--dry-run leaves the job failed; a retry delivers the email once and is audited with the operator and reason', async () => {
    const { id, to } = await failedEmail();
    const dry = await run('queue', 'retry', id, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Would retry job ${id} (mail.send) of queue email.`);
    expect(dry.stdout).toMatch(/│ audit_log\s+│ 1\s+│/);
    expect((await ops.job('email', id))!.state).toBe('failed');
    expect((await audits('queue.retry')).filter((a) => a.target === `email/${id}`)).toEqual([]);

    const res = await run('queue', 'retry', id, '--reason', 'SMTP fixed', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toEqual({ queue: 'email', jobId: id, name: 'mail.send', retried: true });
    await app.mail.waitFor(to);
    await vi.waitFor(async () => expect((await app.core.database.db.select().from(outbox).where(eq(outbox.id, id)))[0]!.status).toBe('done'), within);
    expect(app.mail.messages.filter((m) => m.to === to)).toHaveLength(1);
    expect((await audits('queue.retry')).filter((a) => a.target === `email/${id}`)).toEqual([
      { actor: 'operator:ops-quinn', target: `email/${id}`, reason: 'SMTP fixed', details: expect.objectContaining({ queue: 'email', jobId: id }) },
    ]);

    const again = await run('queue', 'retry', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/only a failed job can be retried/);
    const missing = await run('queue', 'retry', 'obx_missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No job obx_missing in any queue');
  });

  it('--all-failed retries every failed job of the queue and says how many', async () => {
    const a = await failedEmail();
    const b = await failedEmail();
    const failedBefore = (await queueState('email')).failed;
    const res = await run('queue', 'retry', '--all-failed', '--queue', 'email', '--yes', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toEqual({ queues: ['email'], failed: failedBefore, retried: failedBefore });
    await app.mail.waitFor(a.to);
    await app.mail.waitFor(b.to);
    await vi.waitFor(async () => expect((await queueState('email')).failed).toBe(0), within);
    expect((await audits('queue.retry-all')).at(-1)).toMatchObject({ actor: 'operator:ops-quinn', target: 'email', details: { queues: ['email'], retried: failedBefore } });
  });
});

describe('mvshop queue run, pause and resume', () => {
  it('run queues a schedule for the worker, which completes it', async () => {
    const res = await run('queue', 'run', 'maintenance.outbox', '--yes', '--reason', 'cleanup', '--json');
    expect(res.code, res.stderr).toBe(0);
    const body = res.json();
    expect(body).toEqual({ schedule: 'maintenance.outbox', queue: 'maintenance', queued: true, jobId: expect.any(String) });
    await vi.waitFor(async () => expect((await ops.job('maintenance', body.jobId))?.state).toBe('completed'), within);
    expect((await audits('queue.run')).at(-1)).toMatchObject({ actor: 'operator:ops-quinn', target: 'maintenance.outbox', reason: 'cleanup', details: { queued: true, queue: 'maintenance', jobId: body.jobId } });
  });

  it('pause and resume show in stats; a "no" at the prompt and a dry run change nothing', async () => {
    const no = await mvshopOnTerminal(['queue', 'pause', 'payments'], { cwd, env, prompt: 'Pause queue payments?', keys: 'n\r' });
    expect(no.code, no.output).toBe(1);
    expect(no.output).toContain('Cancelled: nothing was changed');
    expect((await queueState('payments')).paused).toBe(false);
    expect(await audits('queue.pause')).toEqual([]);

    const dry = await run('queue', 'pause', 'payments', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would pause queue payments (now running).');
    expect((await queueState('payments')).paused).toBe(false);

    const paused = await run('queue', 'pause', 'payments', '--yes', '--reason', 'provider incident', '--json');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.json()).toEqual({ queue: 'payments', paused: true });
    const stats = await run('queue', 'stats');
    expect(stats.stdout).toMatch(/│ payments\s+│ paused\s+│/);

    const resumed = await run('queue', 'resume', 'payments', '--yes');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Queue payments is running.');
    expect((await queueState('payments')).paused).toBe(false);
    expect((await audits('queue.pause')).map((a) => [a.actor, a.target, a.reason])).toEqual([['operator:ops-quinn', 'payments', 'provider incident']]);
    expect(await audits('queue.resume')).toHaveLength(1);
  });
});

describe('mvshop queue dashboard', () => {
  it('serves the bull-board page and its queues on 127.0.0.1, then exits 0 on SIGINT', async () => {
    const child = spawn(BIN, ['queue', 'dashboard', '--port', '0', '--json'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await vi.waitFor(() => JSON.parse(stdout).url as string, { timeout: 30_000, interval: 50 }).catch(() => {
        throw new Error(`the dashboard printed no url; stderr: ${stderr}`);
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const api = await fetch(`${url}api/queues`);
      expect(api.status).toBe(200);
      expect(((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort()).toEqual(['email', 'maintenance', 'payments', 'settlement']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('mvshop queue: usage errors and no Redis', () => {
  it('exits 2 on usage errors, naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['queue', 'retry'], /give either a job id or --all-failed/],
      [['queue', 'retry', 'obx_1', '--all-failed'], /give either a job id or --all-failed/],
      [['queue', 'pause', 'nope'], /queue must be one of email, payments, settlement, maintenance/],
      [['queue', 'run', 'nope'], /unknown schedule "nope": there are payments\.reconcile/],
      [['queue', 'dashboard', '--port', 'abc'], /must be a whole number/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    cases.forEach(([args, message], i) => {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toMatch(message);
    });
  });

  it('without REDIS_URL: queue commands exit 1 saying queues need Redis; run executes the schedule in process', async () => {
    const { REDIS_URL: _, ...noRedis } = env;
    const refused = [['queue', 'stats'], ['queue', 'pause', 'email', '--yes'], ['queue', 'dashboard', '--port', '0']];
    for (const [i, res] of (await Promise.all(refused.map((args) => mvshop(args, { cwd, env: noRedis })))).entries()) {
      expect(res.code, refused[i]!.join(' ')).toBe(1);
      expect(res.stderr, refused[i]!.join(' ')).toMatch(/needs? Redis and REDIS_URL is not set/);
    }
    const res = await mvshop(['queue', 'run', 'maintenance.expired-tokens', '--yes', '--json'], { cwd, env: noRedis });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toEqual({ schedule: 'maintenance.expired-tokens', queue: 'maintenance', queued: false, result: expect.any(Object) });
    expect((await audits('queue.run')).at(-1)).toMatchObject({ target: 'maintenance.expired-tokens', details: { queued: false } });
  });
});
