/**
 * `npm run bench:jobs`: throughput of the job pipeline, each row beside a reference measured in the
 * same round on the same machine (see bench/README.md, "Jobs"). Prints one table on stdout,
 * progress on stderr. Uses a throwaway database on the loopback PostgreSQL and its own key prefix on
 * the loopback Redis; both are removed at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { sql } from 'drizzle-orm';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { queryRows } from '../../src/core/db/index.ts';
import { emailItems, type Mailer } from '../../src/core/mail/index.ts';
import { insertOutboxRows, outboxRows } from '../../src/core/outbox/index.ts';
import { startWorker } from '../../src/worker/worker.ts';
import { createBenchDatabase } from '../lib/database.ts';
import { assertLoopback } from '../lib/loopback.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { dropQueuePrefix } from '../../test/helpers/queues.ts';
import { buildIsCurrent } from '../../bin/launch.mjs';

const log = (msg: string) => process.stderr.write(`bench:jobs: ${msg}\n`);
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Options {
  jobs: number;
  emails: number;
  /** Jobs (and emails) each row runs before its clock starts, as the HTTP rows' warm-up: JIT, pools, connections. */
  warmup: number;
  rounds: number;
  concurrency: number;
  /** SMTP connections, for the worker (SMTP_POOL_SIZE) and the nodemailer reference alike. */
  smtpPool: number;
  /** Write a V8 CPU profile of the worker process (email row) to bench/results/cpu-prof/jobs/. */
  cpuProf: boolean;
  databaseUrl: string;
  redisUrl: string;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = {
    jobs: Number(process.env.BENCH_JOBS ?? 20_000),
    emails: Number(process.env.BENCH_EMAILS ?? 10_000),
    warmup: Number(process.env.BENCH_JOB_WARMUP ?? 2_000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 1),
    concurrency: 50,
    smtpPool: 10,
    cpuProf: false,
    databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--cpu-prof') {
      opts.cpuProf = true;
      continue;
    }
    const n = Number(value);
    const key = { '--jobs': 'jobs', '--emails': 'emails', '--warmup': 'warmup', '--rounds': 'rounds', '--concurrency': 'concurrency', '--smtp-pool': 'smtpPool' }[
      flag ?? ''
    ] as
      | 'jobs'
      | 'emails'
      | 'warmup'
      | 'rounds'
      | 'concurrency'
      | 'smtpPool'
      | undefined;
    if (!key || !Number.isInteger(n) || n < 1) {
      process.stderr.write('usage: npm run bench:jobs -- [--jobs N] [--emails N] [--warmup N] [--rounds N] [--concurrency N] [--smtp-pool N] [--cpu-prof]\n');
      process.exit(2);
    }
    opts[key] = n;
    i++;
  }
  assertLoopback('BENCH_DATABASE_URL', opts.databaseUrl);
  assertLoopback('REDIS_URL', opts.redisUrl);
  return opts;
}

const seconds = (startedAt: bigint) => Number(process.hrtime.bigint() - startedAt) / 1e9;

/** Reference: add no-op jobs to a BullMQ queue in batches of 100 and process them, nothing else. */
async function bareBullmq(o: Options, prefix: string): Promise<number> {
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bare', { connection, prefix });
  let completed = 0;
  let target = 0;
  let allDone!: () => void;
  const worker = new Worker('bare', async () => undefined, { connection, prefix, concurrency: o.concurrency, removeOnComplete: { count: 1000 } });
  worker.on('completed', () => {
    if (++completed === target) allDone();
  });
  await worker.waitUntilReady();
  const run = async (n: number) => {
    target += n;
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    for (let i = 0; i < n; i += 100) await queue.addBulk(Array.from({ length: Math.min(100, n - i) }, (_, k) => ({ name: 'noop', data: { n: i + k } })));
    await finished;
  };
  if (o.warmup > 0) await run(o.warmup);
  const started = process.hrtime.bigint();
  await run(o.jobs);
  const s = seconds(started);
  await worker.close();
  await queue.close();
  connection.disconnect();
  return o.jobs / s;
}

/** Writes `n` emails to the outbox, 100 rows per statement (as many API requests committing at once would). */
async function produceEmails(core: Core, n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    const batch = emailItems(
      Array.from({ length: Math.min(100, n - i) }, (_, k) => ({
        to: `${label}${i + k}@bench.test`,
        template: 'password-changed' as const,
        vars: { name: 'Bench' },
      })),
    );
    await insertOutboxRows({ db: core.database.db }, outboxRows(core.clock.now(), batch));
  }
}

/**
 * Waits until no outbox row is pending or relayed, then checks that `target` rows are done. Asks
 * whether any row is still in flight (the first entry of a partial index), not how many are done:
 * counting tens of thousands of done rows ten times a second was PostgreSQL work the measured
 * pipeline shared the CPU with.
 */
async function waitForDone(core: Core, target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await queryRows<{ n: number }>(
      core.database.db,
      sql`SELECT (EXISTS (SELECT 1 FROM outbox WHERE status = 'pending') OR EXISTS (SELECT 1 FROM outbox WHERE status = 'relayed'))::int AS n`,
    );
    if (Number(row!.n) === 0) break;
    if (Date.now() > deadline) throw new Error(`outbox rows still in flight after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const [done] = await queryRows<{ n: number }>(core.database.db, sql`SELECT count(*)::int AS n FROM outbox WHERE status = 'done'`);
  if (done!.n < target) throw new Error(`only ${done!.n} of ${target} outbox rows done`);
}

const baseEnv = (o: Options, databaseUrl: string, prefix: string, dataDir: string) => ({
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl,
  REDIS_URL: o.redisUrl,
  WORKER_QUEUE_PREFIX: prefix,
  DATA_DIR: dataDir,
  OUTBOX_POLL_MS: '100',
  WORKER_CONCURRENCY_EMAIL: String(o.concurrency),
  SCHEDULE_MAINTENANCE_SECONDS: '0',
  SCHEDULE_PAYMENTS_RECONCILE_SECONDS: '0',
});

/** Outbox rows → relay → BullMQ → the email handler with a mailer that sends nothing: the pipeline's own cost. */
async function outboxPipeline(o: Options, databaseUrl: string, prefix: string, dataDir: string): Promise<number> {
  const config = loadConfig({ ...baseEnv(o, databaseUrl, prefix, dataDir), LOG_LEVEL: 'silent' });
  const nullMailer: Mailer = { kind: 'smtp', send: async (m) => ({ messageId: m.messageId ?? '' }), close: () => undefined };
  const core = await createCore(config, { ports: { mailer: nullMailer }, poolSize: 10 });
  const worker = await startWorker(config, { core });
  try {
    const [before] = await queryRows<{ n: number }>(core.database.db, sql`SELECT count(*)::int AS n FROM outbox WHERE status = 'done'`);
    if (o.warmup > 0) {
      await produceEmails(core, o.warmup, 'warm');
      await waitForDone(core, before!.n + o.warmup, 300_000);
    }
    const started = process.hrtime.bigint();
    await produceEmails(core, o.jobs, 'noop');
    await waitForDone(core, before!.n + o.warmup + o.jobs, 300_000);
    return o.jobs / seconds(started);
  } finally {
    await worker.close();
    await core.close();
  }
}

/** Reference: nodemailer's pooled SMTP transport sending straight to the sink, 50 messages in flight. */
async function bareNodemailer(o: Options, sink: SmtpSink): Promise<number> {
  sink.reset();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, pool: true, maxConnections: o.smtpPool });
  let sent = 0;
  const send = async (n: number) => {
    const end = sent + n;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (sent < end) {
          const i = sent++;
          await transport.sendMail({ from: 'bench@mvshop.local', to: `ref${i}@bench.test`, subject: 'ref', text: 'ref', html: '<p>ref</p>', messageId: `<ref${i}@bench>` });
        }
      }),
    );
    await sink.waitFor(end, 60_000);
  };
  const warmup = Math.min(o.warmup, o.emails);
  if (warmup > 0) await send(warmup);
  const started = process.hrtime.bigint();
  await send(o.emails);
  const rate = o.emails / seconds(started);
  transport.close();
  return rate;
}

/**
 * Emails through the whole path: outbox rows → `npm run worker` (its own process, logging one line per
 * job at LOG_LEVEL=info as in production; stdout discarded) → SMTP sink. Run `npm run build` first to
 * measure the compiled worker production runs; the footer says which one ran.
 */
async function emailPipeline(o: Options, sink: SmtpSink, databaseUrl: string, prefix: string, dataDir: string, core: Core): Promise<number> {
  sink.reset();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    ...baseEnv(o, databaseUrl, prefix, dataDir),
    LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'info',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_POOL_SIZE: String(o.smtpPool),
  };
  const profile = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, 'bench/results/cpu-prof/jobs')}`] : [];
  // As `npm run worker` starts it: the compiled build when it is current (`npm run build`), else tsx.
  const child = spawn(process.execPath, [...profile, path.join(root, 'bin/launch.mjs'), 'worker/main'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const email = new Queue('email', { connection: { url: o.redisUrl }, prefix });
  try {
    // Ready once its email queue has a worker (whatever the log level, which is part of what is measured).
    const deadline = Date.now() + 60_000;
    while ((await email.getWorkersCount()) === 0) {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) before it was ready`);
      if (Date.now() > deadline) throw new Error('the worker was not ready within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const warmup = Math.min(o.warmup, o.emails);
    if (warmup > 0) {
      await produceEmails(core, warmup, 'warm-mail');
      await sink.waitFor(warmup, 300_000);
    }
    const started = process.hrtime.bigint();
    await produceEmails(core, o.emails, 'mail');
    await sink.waitFor(warmup + o.emails, 300_000);
    return o.emails / seconds(started);
  } finally {
    await email.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const base = `mvshop-bench-${randomBytes(3).toString('hex')}`;
  const used: string[] = [];
  const prefix = (label: string) => {
    used.push(`${base}-${label}`);
    return used.at(-1)!;
  };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mvshop-bench-jobs-'));
  const db = await createBenchDatabase(o.databaseUrl);
  const sink = await startSmtpSink();
  const producer = await createCore(loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_URL: db.url, DATA_DIR: dataDir }), { poolSize: 2 });
  const load = os.loadavg()[0]!;
  const compiled = buildIsCurrent();
  const results = { bare: [] as number[], outbox: [] as number[], nodemailer: [] as number[], emails: [] as number[] };
  try {
    for (let round = 1; round <= o.rounds; round++) {
      log(`round ${round}: bare BullMQ, ${o.jobs} no-op jobs`);
      results.bare.push(await bareBullmq(o, prefix('bare')));
      log(`round ${round}: outbox → BullMQ → handler, ${o.jobs} jobs`);
      results.outbox.push(await outboxPipeline(o, db.url, prefix(`outbox-${round}`), dataDir));
      log(`round ${round}: pooled nodemailer → SMTP sink, ${o.emails} emails`);
      results.nodemailer.push(await bareNodemailer(o, sink));
      log(`round ${round}: emails, outbox → worker process → SMTP sink, ${o.emails} emails`);
      results.emails.push(await emailPipeline(o, sink, db.url, prefix(`email-${round}`), dataDir, producer));
    }
  } finally {
    await producer.close();
    await sink.close();
    await db.drop();
    for (const p of new Set(used)) await dropQueuePrefix(o.redisUrl, p);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const rows = [
    ['outbox → BullMQ → handler (trivial job)', o.jobs, median(results.outbox), 'bare BullMQ add+process', median(results.bare), '≥ 0.50x'],
    ['emails: outbox → worker → SMTP', o.emails, median(results.emails), 'pooled nodemailer → SMTP', median(results.nodemailer), '≥ 1,000/s'],
  ] as const;
  const header = ['row', 'jobs', 'jobs/s', 'reference', 'ref jobs/s', 'ratio', 'goal'];
  const table = [header, ...rows.map(([name, n, rate, ref, refRate, goal]) => [name, fmt(n), fmt(rate), ref, fmt(refRate), `${(rate / refRate).toFixed(2)}x`, goal])];
  const widths = header.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
  for (const r of table) process.stdout.write(`${r.map((cell, c) => String(cell).padEnd(widths[c]!)).join('  ')}\n`);
  process.stdout.write(
    `\n${o.rounds} round(s), medians; each row timed after a warm-up of ${fmt(o.warmup)} jobs (emails: at most as many as it sends); email queue concurrency ${o.concurrency}, ${o.smtpPool} SMTP connections; worker ${compiled ? 'compiled (dist/)' : 'through tsx (dist/ older than src/: npm run build)'}; ${os.cpus().length} cores, load average ${load.toFixed(1)} at start\n`,
  );
  if (o.rounds > 1)
    for (const [k, v] of Object.entries(results)) process.stdout.write(`${k}: ${v.map(fmt).join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:jobs failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
