/**
 * `npm run bench:flood`: can large JSON bodies stall the API? For each target, a fresh API process
 * (the bench's `mvshop` server: production mode, no Redis, silent logs) receives `--conns` concurrent
 * streams of ~`--mb` MB JSON bodies made of small arrays (the costliest shape to parse), one body
 * after another on each connection, for `--seconds`. Meanwhile one client asks `GET /healthz` every
 * 10 ms and the server's RSS is read from /proc every 50 ms. Prints, per target: bodies answered and
 * their statuses, how long they took, the /healthz p50/p99/max and the RSS before, at peak and after.
 * Goal (issue 15): /healthz p99 under 100 ms and RSS under 300 MB during the flood.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueSessionToken } from '../src/core/auth/index.ts';
import { seedCatalog } from '../src/core/catalog/seed-catalog.ts';
import { createCore, loadConfig } from '../src/core/index.ts';
import { createBenchDatabase } from './lib/database.ts';
import { readMemory } from './lib/rss.ts';
import { killAllServers, startServer } from './lib/server-process.ts';
import { HOST } from './servers/child.mjs';
import { mvshopEnv, servers, type BenchContext } from './servers/index.ts';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const MB = 1024 * 1024;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}
const seconds = option('seconds', 10);
const conns = option('conns', 8);
const bodyMb = option('mb', 34);

/** `{"items":[[0,1,2],[0,1,2],…]}` of about `mb` million bytes: millions of tiny arrays for the parser to build. */
function floodBody(mb: number): Buffer {
  const unit = '[0,1,2],';
  const count = Math.floor((mb * 1e6 - 16) / unit.length);
  return Buffer.from(`{"items":[${unit.repeat(count)}[0]]}`);
}

interface Target {
  name: string;
  /** Unset: no flood, only the /healthz probe (the machine's own noise, for comparison). */
  path?: string;
  headers?: Record<string, string>;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

/** One POST of `body`; resolves with the status (or the socket error) and the time to the answer. */
function post(port: number, target: Target, body: Buffer, agent: http.Agent): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: string) => {
      if (settled) return;
      settled = true;
      resolve({ outcome, ms: performance.now() - started });
    };
    const req = http.request(
      {
        host: HOST,
        port,
        path: target.path!,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, origin: 'http://localhost:3000', ...target.headers },
        timeout: 60_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
        res.on('error', () => done(String(res.statusCode)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

function get(port: number, pathname: string, agent: http.Agent): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: pathname, agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', () => resolve(performance.now() - started));
    req.on('timeout', () => req.destroy());
  });
}

async function flood(target: Target, bench: BenchContext, body: Buffer) {
  const server = await startServer({ name: 'mvshop', script: servers.mvshop.script, env: { ...childEnv(), ...mvshopEnv(bench) }, cwd: root, nodeArgs: servers.mvshop.nodeArgs });
  try {
    // Warm the routes (JIT, pool) with small requests before measuring the idle footprint.
    const warm = new http.Agent({ keepAlive: true });
    for (let i = 0; i < 50; i++) await get(server.port, '/healthz', warm);
    await new Promise((r) => setTimeout(r, 500));
    const idle = readMemory(server.pid)?.rss ?? NaN;

    const deadline = Date.now() + seconds * 1000;
    let peak = idle;
    const sampler = setInterval(() => {
      const m = readMemory(server.pid);
      if (m && m.rss > peak) peak = m.rss;
    }, 50);

    const health: number[] = [];
    const healthLoop = (async () => {
      const agent = new http.Agent({ keepAlive: true });
      while (Date.now() < deadline) {
        health.push(await get(server.port, '/healthz', agent));
        await new Promise((r) => setTimeout(r, 10));
      }
      agent.destroy();
    })();

    const outcomes = new Map<string, number>();
    const durations: number[] = [];
    const workers = Array.from({ length: target.path ? conns : 0 }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < deadline) {
        const { outcome, ms } = await post(server.port, target, body, agent);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        durations.push(ms);
      }
      agent.destroy();
    });
    await Promise.all([healthLoop, ...workers]);
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 1000));
    const after = readMemory(server.pid)?.rss ?? NaN;

    health.sort((a, b) => a - b);
    durations.sort((a, b) => a - b);
    return {
      target: `${target.name}`,
      bodies: durations.length,
      outcomes: Object.fromEntries(outcomes),
      bodyP50Ms: Math.round(percentile(durations, 50)),
      bodyMaxMs: Math.round(durations.at(-1) ?? NaN),
      healthz: health.length,
      healthzP50Ms: Math.round(percentile(health, 50)),
      healthzP99Ms: Math.round(percentile(health, 99)),
      healthzMaxMs: Math.round(health.at(-1) ?? NaN),
      rssIdleMb: Math.round(idle / MB),
      rssPeakMb: Math.round(peak / MB),
      rssAfterMb: Math.round(after / MB),
    };
  } finally {
    await server.stop();
  }
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return env;
}

async function main() {
  const db = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mvshop-flood-'));
  try {
    const bench: BenchContext = {
      databaseUrl: db.url,
      dataDir,
      jwtSecret: randomBytes(48).toString('hex'),
      activationSecret: randomBytes(48).toString('hex'),
    };
    // One shop with a session, for the row that floods an image route as a signed-in seller.
    const core = await createCore(loadConfig({ ...mvshopEnv(bench), LOG_LEVEL: 'silent' }));
    let sellerToken: string;
    try {
      const ctx = core.ctx({ kind: 'operator', name: 'bench' });
      const { shopIds } = await seedCatalog(ctx, { shops: 1, products: 1, tag: 'flood', analyze: false });
      sellerToken = issueSessionToken(ctx, 'shop', { id: shopIds[0]!, sessionVersion: 0 });
    } finally {
      await core.close();
    }

    const body = floodBody(bodyMb);
    const targets: Target[] = [
      { name: 'no flood (baseline)' },
      { name: 'POST /api/v1/nope (no such route)', path: '/api/v1/nope' },
      { name: 'POST /api/v1/user/login', path: '/api/v1/user/login' },
      { name: 'POST /api/v1/product, no session', path: '/api/v1/product' },
      { name: 'POST /api/v1/product, seller session', path: '/api/v1/product', headers: { authorization: `Bearer ${sellerToken}` } },
    ];
    const load0 = os.loadavg()[0]!;
    process.stderr.write(`flood: ${conns} connections x ${(body.length / 1e6).toFixed(1)} MB bodies for ${seconds} s per target\n`);
    const rows = [];
    for (const target of targets) {
      process.stderr.write(`flood: ${target.name}\n`);
      const row = await flood(target, bench, body);
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
    console.table(rows);
    process.stdout.write(`${os.cpus().length} cores; 1-min load average ${load0.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}\n`);
    const met = rows.filter((r) => r.bodies > 0 && !r.target.includes('seller session')).every((r) => r.healthzP99Ms < 100 && r.rssPeakMb < 300);
    process.stdout.write(`goal (/healthz p99 < 100 ms, RSS < 300 MB) on the unauthenticated targets: ${met ? 'met' : 'NOT met'}\n`);
  } finally {
    killAllServers();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
