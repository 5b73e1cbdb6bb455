/**
 * `npm run bench:settlement`: settlement of many delivered card orders, as the worker runs it.
 * Seeds the orders straight into a throwaway database (server-side, so the bench process holds
 * none of them), then calls `settleAllDueOrders` (batch after batch until nothing is due), and prints
 * the time and this process's peak RSS while settling, with RSS after each tenth of the batches
 * to show memory stays flat however many orders there are. Then checks every order settled once
 * and `ledger verify` is clean. Exit code 1 when a check fails, 2 on bad options.
 *
 * With `--worker`, the run is the worker's own: the `settlement.settle` schedule's job is queued on
 * BullMQ (as `mvshop queue run settlement.settle` does) and a worker on `REDIS_URL` runs it in this
 * process, in the schedule's batches; the time is from queueing to the job's completion.
 *
 *   npm run bench:settlement -- [--orders 100000] [--shops 1000] [--batch 5000] [--worker]
 */
import { writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { queryRows } from '../src/core/db/index.ts';
import { settleAllDueOrders, verifyBooks } from '../src/core/flows/index.ts';
import { createCore, loadConfig, type Core } from '../src/core/index.ts';
import { openQueueOperations } from '../src/worker/operations.ts';
import { startWorker } from '../src/worker/worker.ts';
import { assertLoopback } from './lib/loopback.ts';
import { dropQueuePrefix } from '../test/helpers/queues.ts';
import { createBenchDatabase } from './lib/database.ts';
import { readMemory } from './lib/rss.ts';
import { seedDeliveredOrders } from './lib/settlement-seed.ts';

/** The goal: 100,000 orders settled within 10 s. */
const GOAL_ORDERS = 100_000;
const GOAL_SECONDS = 10;
const MB = 1024 * 1024;
const log = (msg: string) => process.stderr.write(`bench:settlement: ${msg}\n`);

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer\nusage: npm run bench:settlement -- [--orders N] [--shops N] [--batch N] [--worker]\n`);
    process.exit(2);
  }
  return n;
}

/** Resets the kernel's peak-RSS mark (VmHWM) so the peak read later covers only what follows. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);

interface Sample {
  batch: number;
  settled: number;
  rss: number;
  heap: number;
}

/** Settles in this process, batch after batch, as `mvshop settle run` does. */
async function settleHere(core: Core, now: Date, batch: number, samples: Sample[]): Promise<{ settled: number; amountMinor: number; batches: number }> {
  let settled = 0;
  const sweep = await settleAllDueOrders(core.ctx({ kind: 'system', name: 'bench' }), { now, limit: batch }, (run) => {
    settled += run.count;
    const mem = process.memoryUsage();
    samples.push({ batch: samples.length + 1, settled, rss: mem.rss, heap: mem.heapUsed });
  });
  return { settled: sweep.count, amountMinor: sweep.amountMinor, batches: sweep.batches };
}

/** Queues the settlement schedule's job and waits for the worker (running in this process) to finish it. */
async function settleThroughWorker(core: Core, samples: Sample[]): Promise<{ settled: number; amountMinor: number; batches: number }> {
  const worker = await startWorker(core.config, { core });
  const ops = await openQueueOperations(core);
  try {
    const queued = await ops.runNow('settlement.settle');
    if (!queued.queued) throw new Error('the settlement job ran without a queue (no REDIS_URL?)');
    for (;;) {
      const job = await ops.job('settlement', queued.jobId);
      if (job?.state === 'completed') {
        const r = job.result as { count: number; amountMinor: number; batches: number };
        return { settled: r.count, amountMinor: r.amountMinor, batches: r.batches };
      }
      if (job?.state === 'failed') throw new Error(`the settlement job failed: ${job.error}`);
      // Sampled every 50 ms instead of per batch: the batches run inside the job.
      const mem = process.memoryUsage();
      samples.push({ batch: samples.length + 1, settled: 0, rss: mem.rss, heap: mem.heapUsed });
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await ops.close();
    await worker.close();
  }
}

async function main() {
  const orders = option('orders', GOAL_ORDERS);
  const shops = option('shops', 1_000);
  const batch = option('batch', 5_000);
  const viaWorker = process.argv.includes('--worker');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (viaWorker) assertLoopback('REDIS_URL', redisUrl);
  const bench = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/');
  let failed = false;
  try {
    const now = new Date();
    const seedStart = performance.now();
    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    try {
      await seedDeliveredOrders(client, { orders, shops, deliveredAt: new Date(now.getTime() - 8 * 86_400_000), tag: 'bench' });
      await client.query('VACUUM ANALYZE');
    } finally {
      await client.end();
    }
    log(`seeded ${orders.toLocaleString('en-US')} delivered orders in ${shops.toLocaleString('en-US')} shops in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const prefix = `mvshop-bench-settle-${process.pid}`;
    const worker = viaWorker
      ? {
          REDIS_URL: redisUrl,
          WORKER_QUEUE_PREFIX: prefix,
          // Only the job this bench queues runs.
          SCHEDULE_SETTLEMENT_SECONDS: '0',
          SCHEDULE_MAINTENANCE_SECONDS: '0',
          SCHEDULE_PAYMENTS_RECONCILE_SECONDS: '0',
        }
      : {};
    const core = await createCore(
      loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_URL: bench.url, SETTLEMENT_HOLD_DAYS: '7', ...worker }),
      { migrate: false, poolSize: 2 },
    );
    try {
      const ctx = core.ctx({ kind: 'system', name: 'bench' });
      const before = process.memoryUsage().rss;
      const peakReset = resetPeak();
      const samples: Sample[] = [];
      const started = performance.now();
      const { settled, amountMinor, batches } = viaWorker ? await settleThroughWorker(core, samples) : await settleHere(core, now, batch, samples);
      const seconds = (performance.now() - started) / 1000;
      const peak = readMemory(process.pid)?.peak ?? Math.max(...samples.map((s) => s.rss));

      const [counted] = await queryRows<{ settled: number; journals: number }>(
        core.database.db,
        sql`SELECT (SELECT COUNT(DISTINCT ref) FROM ledger_journals WHERE kind = 'settlement')::int AS settled,
                   (SELECT COUNT(*) FROM ledger_journals WHERE kind = 'settlement')::int AS journals`,
      );
      const once = counted?.settled === orders && counted?.journals === orders;
      const report = await verifyBooks(ctx);
      const every = Math.max(1, Math.ceil(samples.length / 10));
      const shown = samples.filter((s, i) => i % every === 0 || i === samples.length - 1);

      const out = [
        `settlement of ${orders.toLocaleString('en-US')} delivered orders (${shops.toLocaleString('en-US')} shops, ${
          viaWorker ? 'through the worker: the settlement.settle job on BullMQ, in its batches' : `batches of ${batch.toLocaleString('en-US')}`
        })`,
        `  settled          ${settled.toLocaleString('en-US')} orders, ${(amountMinor / 100).toFixed(2)} usd, in ${batches} batches`,
        `  time             ${seconds.toFixed(2)} s (${Math.round(settled / seconds).toLocaleString('en-US')} orders/s)${
          orders === GOAL_ORDERS ? `   goal ≤ ${GOAL_SECONDS} s: ${seconds <= GOAL_SECONDS ? 'met' : 'NOT met'}` : ''
        }`,
        `  RSS              ${mb(before)} MB before, peak ${mb(peak)} MB while settling${peakReset ? '' : ' (peak since process start: /proc/self/clear_refs not writable)'}`,
        `  RSS by ${viaWorker ? 'sample' : 'batch '}    ${shown.map((s) => `#${s.batch}: ${mb(s.rss)}`).join(', ')} MB`,
        `  heap by ${viaWorker ? 'sample' : 'batch '}   ${shown.map((s) => `#${s.batch}: ${mb(s.heap)}`).join(', ')} MB`,
        `  checks           ${once ? 'every order settled once' : `MISMATCH ${JSON.stringify(counted)}`}; ledger verify ${report.ok ? 'clean' : 'FAILED'}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
      failed = !once || !report.ok;
    } finally {
      await core.close();
      if (viaWorker) await dropQueuePrefix(redisUrl, prefix);
    }
  } finally {
    await bench.drop();
  }
  if (failed) process.exitCode = 1;
}

await main();
