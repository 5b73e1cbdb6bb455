/**
 * `npm run bench`: prepares a throwaway database, then for each scenario starts its server in a
 * child process, warms it up, loads it with autocannon from this process, reads the child's memory
 * and CPU, and stops it. Prints one table (stdout) and writes the same rows as JSON.
 * Progress goes to stderr. Exit code 1 when any row failed (wrong statuses, errors) or setup broke.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createCore, loadConfig } from '../src/core/index.ts';
import { databaseCpuDelta, databaseCpuSeconds, processCpuSeconds, selfCpuSeconds } from './lib/cpu.ts';
import { combineRounds } from './lib/aggregate.ts';
import { compareSnapshots, snapshot } from './lib/checkout-checks.ts';
import { createBenchDatabase, type BenchDatabase } from './lib/database.ts';
import { runFlows, stopFlows } from './lib/flow-load.ts';
import { probe, runLoad, stopLoad, type Target } from './lib/load.ts';
import { parseOptions, UsageError, type BenchOptions } from './lib/options.ts';
import { planScenarios } from './lib/plan.ts';
import { formatTable, writeReport, type Report, type Row } from './lib/report.ts';
import { readMemory } from './lib/rss.ts';
import { killAllServers, startServer, type ServerProcess } from './lib/server-process.ts';
import type { Scenario } from './scenarios.ts';
import { scenarios } from './scenarios.ts';
import { dataSets, seed, type DataSet, type Seed } from './seed.ts';
import { mvshopEnv, servers, type BenchContext } from './servers/index.ts';
import { HOST } from './servers/child.mjs';
import { buildIsCurrent } from '../bin/launch.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024 * 1024;
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

let interrupted: string | undefined;
function interrupt(reason: string) {
  if (interrupted) {
    killAllServers();
    process.exit(130);
  }
  interrupted = reason;
  log(`${reason}: stopping and cleaning up`);
  stopLoad();
  stopFlows();
}
const checkInterrupted = () => {
  if (interrupted) throw new Error(`interrupted (${interrupted})`);
};

async function withSeedCore<T>(bench: BenchContext, fn: (core: Awaited<ReturnType<typeof createCore>>) => Promise<T>): Promise<T> {
  const core = await createCore(loadConfig(mvshopEnv(bench)), { migrate: false, poolSize: 2 });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

const seedDatabase = (bench: BenchContext): Promise<Seed> => withSeedCore(bench, seed);

/** Seeds the data sets `s` needs that this run has not seeded yet (each once per run); notes how long it took. */
async function ensureData(s: Scenario, bench: BenchContext, data: Seed, seeded: Set<DataSet>, notes: string[]): Promise<void> {
  for (const set of s.needs ?? []) {
    if (seeded.has(set)) continue;
    seeded.add(set);
    log(`seeding data set ${set}`);
    const note = await withSeedCore(bench, (core) => dataSets[set](core, data));
    log(note);
    notes.push(`seeded ${note}`);
  }
}

/** The bench database's name, as its PostgreSQL backends show it in their process titles. */
const databaseName = (bench: BenchContext) => new URL(bench.databaseUrl).pathname.slice(1);

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function childEnv(extra: Record<string, string>): Record<string, string> {
  // Nothing else is inherited, so a REDIS_URL, SMTP_HOST or DATABASE_URL in the shell cannot leak in.
  const env: Record<string, string> = { NODE_ENV: 'production', ...extra };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** autocannon at the row's connection count against one request (or a cycle of paths); fills `row`, returns what went wrong. */
async function loadRequests(s: Scenario, server: ServerProcess, dbName: string, data: Seed, opts: BenchOptions, row: Row, notes: string[]): Promise<string[]> {
  const expectStatus = s.expectStatus ?? 200;
  const connections = row.connections;
  const body = s.body ? JSON.stringify(s.body(data)) : undefined;
  const paths = s.paths?.(data);
  const target: Target = {
    url: `http://${HOST}:${server.port}${row.path}`,
    method: row.method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(s.headers?.(data) ?? {}) },
    body,
    paths,
  };
  const answer = await probe(target, expectStatus);
  const note = s.note?.(answer, data);
  if (note && !notes.includes(note)) notes.push(note);
  if (opts.warmup > 0) {
    log(`${s.name}: warming up ${opts.warmup} s`);
    const warm = await runLoad(target, connections, opts.warmup);
    checkInterrupted();
    const bad = warm.errors + Object.entries(warm.statusCodeStats ?? {}).reduce((n, [code, c]) => n + (Number(code) === expectStatus ? 0 : (c.count ?? 0)), 0);
    if (bad > 0) log(`${s.name}: ${bad} bad responses or errors during warm-up`);
  }
  log(`${s.name}: measuring ${opts.duration} s at ${connections} connections${paths ? ` over ${paths.length.toLocaleString('en-US')} paths` : ''}`);
  const cpuServer0 = processCpuSeconds(server.pid);
  const cpuSelf0 = selfCpuSeconds();
  const cpuDb0 = databaseCpuSeconds(dbName);
  const result = await runLoad(target, connections, opts.duration);
  const mem = readMemory(server.pid);
  const cpuServer1 = processCpuSeconds(server.pid);
  const cpuSelf1 = selfCpuSeconds();
  const cpuDb = databaseCpuDelta(cpuDb0, databaseCpuSeconds(dbName));
  checkInterrupted();

  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, c]) => [code, c.count ?? 0]));
  const unexpected = Object.entries(statusCodes).reduce((n, [code, c]) => n + (Number(code) === expectStatus ? 0 : c), 0);
  const seconds = result.duration || opts.duration;
  Object.assign(row, {
    seconds,
    requests: result.requests.total,
    reqPerSec: result.requests.average,
    latencyMs: { avg: result.latency.average, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    rssMb: mem && mem.rss / MB,
    peakRssMb: mem && mem.peak / MB,
    serverCpuPct: cpuServer0 !== undefined && cpuServer1 !== undefined ? ((cpuServer1 - cpuServer0) / seconds) * 100 : undefined,
    clientCpuPct: ((cpuSelf1 - cpuSelf0) / seconds) * 100,
    dbCpuPct: cpuDb === undefined ? undefined : (cpuDb / seconds) * 100,
    statusCodes,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
  } satisfies Partial<Row>);
  const problems: string[] = [];
  if (result.requests.total === 0) problems.push('no responses');
  if (unexpected > 0) problems.push(`${unexpected} responses were not ${expectStatus} (statuses: ${JSON.stringify(statusCodes)})`);
  if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  return problems;
}

/**
 * Virtual buyers replaying the scenario's flow (lib/flow-load.ts): one probe flow alone, warm-up,
 * then the measured load. When the plan asks, the database is snapshotted before the probe and after
 * the load, and the stock, sold counts, order lines and orders must match the flows that succeeded.
 */
async function loadFlows(s: Scenario, server: ServerProcess, bench: BenchContext, data: Seed, opts: BenchOptions, row: Row): Promise<string[]> {
  const users = row.connections;
  const dbName = databaseName(bench);
  const plan = s.flow!(data, users);
  const base = `http://${HOST}:${server.port}`;
  const client = plan.check ? new pg.Client({ connectionString: bench.databaseUrl }) : undefined;
  await client?.connect();
  try {
    const before = client && plan.check ? await snapshot(client, plan.check.productIds) : undefined;
    let succeeded = 0;
    const first = await runFlows(base, plan, 1, 30, 1);
    succeeded += first.flows;
    if (first.flows !== 1) throw new Error(`probe flow failed: ${first.firstProblem ?? 'no answer'}`);
    if (opts.warmup > 0) {
      log(`${s.name}: warming up ${opts.warmup} s`);
      const warm = await runFlows(base, plan, users, opts.warmup);
      succeeded += warm.flows;
      checkInterrupted();
      if (warm.failedFlows > 0) log(`${s.name}: ${warm.failedFlows} failed flows during warm-up (${warm.firstProblem})`);
    }
    log(`${s.name}: measuring ${opts.duration} s with ${users} virtual buyers`);
    const cpuServer0 = processCpuSeconds(server.pid);
    const cpuSelf0 = selfCpuSeconds();
    const cpuDb0 = databaseCpuSeconds(dbName);
    const result = await runFlows(base, plan, users, opts.duration);
    const mem = readMemory(server.pid);
    const cpuServer1 = processCpuSeconds(server.pid);
    const cpuSelf1 = selfCpuSeconds();
    const cpuDb = databaseCpuDelta(cpuDb0, databaseCpuSeconds(dbName));
    succeeded += result.flows;
    checkInterrupted();

    const seconds = result.seconds;
    Object.assign(row, {
      seconds,
      requests: result.requests,
      reqPerSec: result.flows / seconds,
      latencyMs: result.latency,
      rssMb: mem && mem.rss / MB,
      peakRssMb: mem && mem.peak / MB,
      serverCpuPct: cpuServer0 !== undefined && cpuServer1 !== undefined ? ((cpuServer1 - cpuServer0) / seconds) * 100 : undefined,
      clientCpuPct: ((cpuSelf1 - cpuSelf0) / seconds) * 100,
      dbCpuPct: cpuDb === undefined ? undefined : (cpuDb / seconds) * 100,
      statusCodes: result.statusCodes,
      unexpected: result.unexpected,
      errors: result.errors,
      timeouts: result.timeouts,
      flow: { flows: result.flows, keyStep: plan.keyStep, keyStepMs: result.keyStepLatency },
    } satisfies Partial<Row>);
    const problems: string[] = [];
    if (result.flows === 0) problems.push('no flow completed');
    if (result.unexpected > 0) problems.push(`${result.failedFlows} flows failed (statuses: ${JSON.stringify(result.statusCodes)}; first: ${result.firstProblem})`);
    if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts; first: ${result.firstProblem})`);
    if (client && before && plan.check) {
      const check = compareSnapshots(before, await snapshot(client, plan.check.productIds), succeeded, {
        orders: plan.check.ordersPerFlow,
        checkouts: plan.check.checkoutsPerFlow,
      });
      row.flow!.check = check;
      log(`${s.name}: ${succeeded} successful flows (probe and warm-up included): ${check.orders.found} orders, ${check.unitsInLines} units in order lines, ${check.unitsSold} sold, ${check.stockTaken} taken from stock, ${check.oversold} oversold${check.ok ? '' : `: ${check.problems.join('; ')}`}`);
      problems.push(...check.problems);
    }
    return problems;
  } finally {
    await client?.end();
  }
}

async function measure(s: Scenario, bench: BenchContext, data: Seed, opts: BenchOptions, refs: Map<string, Row>, notes: string[]): Promise<Row> {
  const def = servers[s.server];
  const connections = s.connections ?? opts.connections;
  const pathname = typeof s.path === 'function' ? s.path(data) : s.path;
  const method = s.flow ? 'POST' : (s.method ?? 'GET');
  const row: Row = {
    scenario: s.name,
    server: s.server,
    method,
    path: pathname,
    connections,
    seconds: opts.duration,
    requests: 0,
    reqPerSec: 0,
    latencyMs: { avg: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN },
    statusCodes: {},
    unexpected: 0,
    errors: 0,
    timeouts: 0,
    reference: s.reference,
    ok: false,
  };

  log(`${s.name}: starting ${s.server}`);
  const nodeArgs = [
    ...('nodeArgs' in def ? def.nodeArgs : []),
    // One folder per row: the main thread and the tsx loader thread each write a profile (default names hold pid and thread id).
    ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, 'bench/results/cpu-prof', slug(s.name))}`] : []),
  ];
  const server = await startServer({ name: s.server, script: def.script, env: childEnv({ ...def.env(bench), ...s.env }), cwd: root, nodeArgs });
  try {
    const problems = s.flow
      ? await loadFlows(s, server, bench, data, opts, row)
      : await loadRequests(s, server, databaseName(bench), data, opts, row, notes);
    row.ok = problems.length === 0;
    if (!row.ok) row.problem = problems.join('; ');
  } catch (err) {
    row.problem = (err as Error).message;
  } finally {
    // A profiled server needs time to write its profile after its own 5 s shutdown deadline.
    await server.stop(opts.cpuProf ? 20_000 : undefined);
  }

  const ref = s.reference ? refs.get(s.reference) : undefined;
  if (ref?.ok && row.ok) {
    row.refReqPerSec = ref.reqPerSec;
    row.ratio = row.reqPerSec / ref.reqPerSec;
  }
  return row;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  const plan = planScenarios(scenarios, opts.only);
  const startedAt = new Date();
  const loadStart = os.loadavg()[0]!;

  // Everything ends by itself: the worst case is each row's load plus a minute of start/stop, plus set-up
  // and five minutes per data set to seed.
  const sets = new Set(plan.flatMap((s) => s.needs ?? []));
  const budgetMs = opts.rounds * plan.length * (opts.warmup + opts.duration + 60) * 1000 + 180_000 + sets.size * 300_000;
  const watchdog = setTimeout(() => {
    interrupt(`time budget of ${Math.round(budgetMs / 1000)} s exceeded`);
    setTimeout(() => {
      killAllServers();
      process.exit(1);
    }, 30_000).unref();
  }, budgetMs);
  watchdog.unref();
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));

  log(`${plan.length} scenarios x ${opts.rounds} round(s), ${opts.warmup} s warm-up + ${opts.duration} s each, ${opts.connections} connections; 1-min load average ${loadStart.toFixed(2)} on ${os.cpus().length} cores`);
  let db: BenchDatabase | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mvshop-bench-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  let fatal: unknown;
  try {
    log('creating and migrating a fresh database');
    db = await createBenchDatabase(opts.databaseUrl);
    log(`database ${db.name}`);
    const bench: BenchContext = {
      databaseUrl: db.url,
      dataDir,
      jwtSecret: randomBytes(48).toString('hex'),
      activationSecret: randomBytes(48).toString('hex'),
    };
    const data = await seedDatabase(bench);
    checkInterrupted();

    const seeded = new Set<DataSet>();
    const measured = new Map<string, Row[]>(plan.map((s) => [s.name, []]));
    try {
      for (let round = 1; round <= opts.rounds; round++) {
        if (opts.rounds > 1) log(`round ${round} of ${opts.rounds}`);
        const byName = new Map<string, Row>();
        for (const s of plan) {
          checkInterrupted();
          await ensureData(s, bench, data, seeded, notes);
          checkInterrupted();
          const row = await measure(s, bench, data, opts, byName, notes);
          measured.get(s.name)!.push(row);
          byName.set(row.scenario, row);
          const rate = row.flow ? `${row.reqPerSec.toFixed(1)} orders/s` : `${Math.round(row.reqPerSec)} req/s`;
          log(row.ok ? `${s.name}: ${rate}` : `${s.name}: FAILED: ${row.problem}`);
        }
      }
    } finally {
      for (const list of measured.values()) if (list.length > 0) rows.push(combineRounds(list));
    }
  } catch (err) {
    fatal = err;
  } finally {
    killAllServers();
    if (db) await db.drop().catch((err: unknown) => log(`could not drop ${db!.name}: ${(err as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }

  // Set-up failed before any row: nothing to print.
  if (fatal && rows.length === 0) throw fatal;
  const loadEnd = os.loadavg()[0]!;
  const cpus = os.cpus();
  const outFile = path.resolve(root, opts.outFile);
  // An interrupted or broken run prints what it has but leaves the last complete results in place.
  const report: Report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: { duration: opts.duration, warmup: opts.warmup, connections: opts.connections, rounds: opts.rounds, quick: opts.quick, only: opts.only },
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / MB),
    },
    loadAverage: { start: loadStart, end: loadEnd },
    database: db?.name ?? '',
    notes,
    rows,
  };
  if (!fatal) writeReport(outFile, report);
  process.stdout.write(`${formatTable(rows)}\n`);
  if (rows.some((r) => r.flow))
    process.stdout.write(
      '\norders/s: buyer flows (checkout rows) whose every request answered as expected, per second; p50/p99: the whole flow; ' +
        'step p99: the create-order request (mvshop), the one transaction request (reference) or the order request (floor) alone. ' +
        'oversold: units in new order lines not covered by a stock decrement, plus units below zero stock; db orders: orders written / orders the successful flows should have written (mvshop: one per shop, 2 per flow; reference and floor: 1).\n',
    );
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  process.stdout.write(
    `\n${opts.duration} s per row after ${opts.warmup} s warm-up${opts.rounds > 1 ? `, median of ${opts.rounds} rounds` : ''}; ${cpus.length} cores; 1-min load average ${loadStart.toFixed(2)} -> ${loadEnd.toFixed(2)}. ` +
      `mvshop API ${buildIsCurrent() ? 'compiled (dist/)' : 'through tsx (dist/ older than src/: npm run build)'}. Compare runs by ratio only.${fatal ? '' : ` JSON: ${path.relative(root, outFile)}`}\n`,
  );
  if (fatal) throw fatal;
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    killAllServers();
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    const message = err instanceof Error ? (interrupted ? err.message : (err.stack ?? err.message)) : String(err);
    process.stderr.write(`bench failed: ${message}\n`);
    process.exit(1);
  },
);
