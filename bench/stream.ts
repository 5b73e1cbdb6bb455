/**
 * `npm run bench:stream`: live delivery fan-out on one API process. Opens N event streams (half
 * buyers, half shops, each pair in one conversation), measures the server's RSS before and after
 * (RSS per idle stream), then posts messages at a steady rate through the API and measures, for
 * every delivery to a stream, the time from sending the POST to the frame arriving. Prints one
 * report (stdout) and writes it to bench/results/stream.json.
 *
 *   npm run bench:stream -- [--streams N] [--rate MSG_PER_S] [--duration S] [--redis]
 *
 * --redis runs the server with REDIS_URL (default redis://127.0.0.1:6379) and a prefix of its own,
 * so events go through Redis pub/sub as they do between several API processes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { issueSessionToken } from '../src/core/auth/index.ts';
import { createCore, loadConfig } from '../src/core/index.ts';
import { newId } from '../src/core/shared/ids.ts';
import { processCpuSeconds } from './lib/cpu.ts';
import { createBenchDatabase } from './lib/database.ts';
import { readMemory } from './lib/rss.ts';
import { startServer } from './lib/server-process.ts';
import { HOST } from './servers/child.mjs';
import { BENCH_ORIGIN, mvshopEnv, type BenchContext } from './servers/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (msg: string) => process.stderr.write(`bench:stream: ${msg}\n`);
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function options(argv: string[]) {
  const opts = { streams: 1000, rate: 50, duration: 20, redis: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--redis') opts.redis = true;
    else if (arg === '--streams' || arg === '--rate' || arg === '--duration') {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${arg} needs a positive number`);
      opts[arg.slice(2) as 'streams' | 'rate' | 'duration'] = n;
    } else throw new Error(`unknown option ${arg}\nusage: npm run bench:stream -- [--streams N] [--rate MSG_PER_S] [--duration S] [--redis]`);
  }
  opts.streams = Math.max(2, Math.floor(opts.streams / 2) * 2);
  return opts;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

interface Pair {
  conversationId: string;
  buyer: { id: string; token: string };
  shop: { id: string; token: string };
}

/** Buyers, shops and one conversation per pair, written straight into the bench database (no emails, no hashing). */
async function seed(bench: BenchContext, pairs: number): Promise<Pair[]> {
  const core = await createCore(loadConfig(mvshopEnv(bench)), { migrate: false, poolSize: 2 });
  try {
    const ctx = core.ctx({ kind: 'operator', name: 'bench' });
    const tag = randomBytes(3).toString('hex');
    const rows = Array.from({ length: pairs }, (_, i) => ({ user: newId('user'), shop: newId('shop'), conversation: newId('conversation'), i }));
    const col = (f: (r: (typeof rows)[number]) => string) => sql.param(rows.map(f));
    await ctx.db.execute(sql`
      INSERT INTO users (id, name, email, role, created_at, updated_at)
      SELECT id, 'Bench Buyer ' || n, 'bench.stream.' || ${tag} || '.' || n || '@example.com', 'User', now(), now()
      FROM unnest(${col((r) => r.user)}::text[], ${col((r) => String(r.i))}::text[]) AS u(id, n)`);
    await ctx.db.execute(sql`
      INSERT INTO shops (id, name, email, password_hash, phone_number, address, zip_code, created_at, updated_at)
      SELECT id, 'Bench Shop ' || n, 'bench.shop.' || ${tag} || '.' || n || '@example.com', 'x', '+1 555 0100', '1 Bench St', '12345', now(), now()
      FROM unnest(${col((r) => r.shop)}::text[], ${col((r) => String(r.i))}::text[]) AS s(id, n)`);
    await ctx.db.execute(sql`
      INSERT INTO conversations (id, user_id, shop_id, last_activity_at, created_at, updated_at)
      SELECT id, u, s, now(), now(), now()
      FROM unnest(${col((r) => r.conversation)}::text[], ${col((r) => r.user)}::text[], ${col((r) => r.shop)}::text[]) AS c(id, u, s)`);
    return rows.map((r) => ({
      conversationId: r.conversation,
      buyer: { id: r.user, token: issueSessionToken(ctx, 'user', { id: r.user, sessionVersion: 0 }) },
      shop: { id: r.shop, token: issueSessionToken(ctx, 'shop', { id: r.shop, sessionVersion: 0 }) },
    }));
  } finally {
    await core.close();
  }
}

/** Message frames carry `"text":"bench <sent at>"`: the arrival time minus that is the delivery latency. */
const SENT_AT = /"text":"bench (\d+(?:\.\d+)?)"/g;

/** Opens one event stream with node:http (no client-side buffering) and reports each message frame's send time and arrival. */
function openStream(port: number, cookie: string, onFrame: (sentAt: string, arrivedAt: number) => void, path = '/api/v1/stream'): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, agent: false, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let tail = '';
      res.on('data', (chunk: string) => {
        const now = performance.now();
        const text = tail + chunk;
        let last = 0;
        for (const m of text.matchAll(SENT_AT)) {
          onFrame(m[1]!, now);
          last = m.index + m[0].length;
        }
        tail = text.slice(Math.max(last, text.length - 200));
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** The server's RSS after a full collection (the servers run with --expose-gc and collect on SIGUSR2). */
async function settledRss(server: Server): Promise<number> {
  process.kill(server.pid, 'SIGUSR2');
  await sleep(1000);
  return readMemory(server.pid)!.rss;
}

/** Opens `count` streams, 100 at a time; returns them with the RSS they added and how long opening took. */
async function openIdle(server: Server, count: number, open: (i: number) => Promise<http.ClientRequest>) {
  const before = await settledRss(server);
  const started = performance.now();
  const opened: http.ClientRequest[] = [];
  for (let i = 0; i < count; i += 100) opened.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(i + j)))));
  const seconds = (performance.now() - started) / 1000;
  await sleep(2000);
  const after = await settledRss(server);
  return { opened, seconds, before, after, perStreamKb: (after - before) / count / 1024 };
}

async function main() {
  const opts = options(process.argv.slice(2));
  const pairs = opts.streams / 2;
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `mvshop-bench:${randomBytes(4).toString('hex')}`;
  const database = await createBenchDatabase(databaseUrl);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mvshop-bench-stream-'));
  const bench: BenchContext = { databaseUrl: database.url, dataDir, jwtSecret: randomBytes(48).toString('hex'), activationSecret: randomBytes(48).toString('hex') };
  const requests: http.ClientRequest[] = [];
  let server: Server | undefined;
  const baseEnv: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const) if (process.env[key]) baseEnv[key] = process.env[key]!;
  const script = (name: string) => fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  try {
    log(`reference: ${opts.streams} streams on bare node:http`);
    const ref = await startServer({ name: 'ref-sse', script: script('ref-sse'), env: { ...baseEnv }, cwd: root, nodeArgs: ['--expose-gc'] });
    let reference: Awaited<ReturnType<typeof openIdle>>;
    try {
      reference = await openIdle(ref, opts.streams, () => openStream(ref.port, '', () => undefined, '/'));
      for (const r of reference.opened) r.destroy();
    } finally {
      await ref.stop();
    }

    log(`seeding ${pairs} buyers, ${pairs} shops and ${pairs} conversations`);
    const seeded = await seed(bench, pairs);
    const env: Record<string, string> = {
      ...baseEnv,
      ...mvshopEnv(bench),
      MESSAGE_RATE_LIMIT_MAX: '1000000',
      STREAM_MAX_PER_PROCESS: String(opts.streams + 100),
      STREAM_REDIS_PREFIX: prefix,
      ...(opts.redis && { REDIS_URL: redisUrl }),
    };
    server = await startServer({ name: 'mvshop-live', script: fileURLToPath(new URL('./servers/mvshop-live.mjs', import.meta.url)), env, cwd: root, nodeArgs: ['--expose-gc'] });
    const port = server.port;

    // Warm the posting path (JIT, pool) before measuring memory, with messages no stream is open for yet.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const postMessage = (pair: Pair, fromShop: boolean, text: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ conversationId: pair.conversationId, text });
        const req = http.request(
          {
            host: HOST,
            port,
            method: 'POST',
            path: '/api/v1/message/create-new-message',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              origin: BENCH_ORIGIN,
              cookie: fromShop ? `seller_token=${pair.shop.token}` : `token=${pair.buyer.token}`,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 200; i++) {
      const status = await postMessage(seeded[i % pairs]!, i % 2 === 1, `warm-up ${i}`);
      if (status !== 201) throw new Error(`warm-up post answered ${status}`);
    }

    log(`opening ${opts.streams} streams`);
    const arrivals: [sentAt: string, arrivedAt: number][] = [];
    const onFrame = (sentAt: string, arrivedAt: number) => void arrivals.push([sentAt, arrivedAt]);
    // Stream i: buyer i/2 for even i, that buyer's shop for odd i.
    const idle = await openIdle(server, opts.streams, (i) => {
      const pair = seeded[Math.floor(i / 2)]!;
      return openStream(port, i % 2 === 0 ? `token=${pair.buyer.token}` : `seller_token=${pair.shop.token}`, onFrame);
    });
    requests.push(...idle.opened);
    log(`${opts.streams} streams open in ${idle.seconds.toFixed(1)} s; RSS ${(idle.before / MB).toFixed(1)} → ${(idle.after / MB).toFixed(1)} MB`);

    log(`posting ${opts.rate} messages/s for ${opts.duration} s`);
    const total = Math.round(opts.rate * opts.duration);
    const postLatencies: number[] = [];
    /** When each POST's response arrived, by the send time its message carries. */
    const answeredAt = new Map<string, number>();
    let failed = 0;
    /** Why posts failed: a status or a connection error code, with counts. */
    const failures: Record<string, number> = {};
    const fail = (why: string) => {
      failed++;
      failures[why] = (failures[why] ?? 0) + 1;
    };
    const cpu0 = processCpuSeconds(server.pid);
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const pair = seeded[Math.floor(Math.random() * pairs)]!;
      const sentAt = performance.now();
      const key = sentAt.toFixed(3);
      inFlight.push(
        postMessage(pair, i % 2 === 1, `bench ${key}`).then(
          (status) => {
            const now = performance.now();
            answeredAt.set(key, now);
            if (status === 201) postLatencies.push(now - sentAt);
            else fail(String(status));
          },
          (err: NodeJS.ErrnoException) => fail(err.code ?? err.message),
        ),
      );
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - start) / 1000;
    await sleep(1000);
    const cpu1 = processCpuSeconds(server.pid);
    const loaded = readMemory(server.pid)!;

    const latencies = arrivals.map(([sentAt, at]) => at - Number(sentAt)).sort((a, b) => a - b);
    // Negative when the frame beat the POST's own response: the event is published at commit.
    const afterResponse = arrivals.map(([sentAt, at]) => at - (answeredAt.get(sentAt) ?? NaN)).filter(Number.isFinite).sort((a, b) => a - b);
    postLatencies.sort((a, b) => a - b);
    const report = {
      when: new Date().toISOString(),
      command: `npm run bench:stream -- --streams ${opts.streams} --rate ${opts.rate} --duration ${opts.duration}${opts.redis ? ' --redis' : ''}`,
      bus: opts.redis ? 'redis' : 'in-process',
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))) },
      streams: opts.streams,
      secondsToOpen: Number(idle.seconds.toFixed(2)),
      rssMb: { beforeStreams: idle.before / MB, withIdleStreams: idle.after / MB, afterLoad: loaded.rss / MB, peak: loaded.peak / MB },
      rssPerStreamKb: Number(idle.perStreamKb.toFixed(1)),
      referenceRssPerStreamKb: Number(reference.perStreamKb.toFixed(1)),
      messages: { posted: total - failed, failed, failures, perSecond: Number(((total - failed) / seconds).toFixed(1)) },
      // Each message reaches two streams: the recipient's and the sender's own.
      deliveries: { expected: (total - failed) * 2, received: latencies.length },
      deliveryLatencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) },
      deliveryAfterPostResponseMs: { p50: percentile(afterResponse, 50), p99: percentile(afterResponse, 99) },
      postLatencyMs: { p50: percentile(postLatencies, 50), p99: percentile(postLatencies, 99) },
      serverCpuPct: cpu0 !== undefined && cpu1 !== undefined ? Number((((cpu1 - cpu0) / seconds) * 100).toFixed(1)) : undefined,
    };
    const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));
    process.stdout.write(
      [
        `${report.bus} bus, ${report.streams} open streams (opened in ${report.secondsToOpen} s)`,
        `RSS: ${fmt(report.rssMb.beforeStreams)} MB before, ${fmt(report.rssMb.withIdleStreams)} MB with the streams idle → ${report.rssPerStreamKb} KB per stream (bare node:http SSE: ${report.referenceRssPerStreamKb} KB); ${fmt(report.rssMb.afterLoad)} MB after the load (peak ${fmt(report.rssMb.peak)})`,
        `messages: ${report.messages.posted} posted (${report.messages.perSecond}/s), ${report.messages.failed} failed${failed ? ` ${JSON.stringify(failures)}` : ''}; deliveries ${report.deliveries.received} of ${report.deliveries.expected}`,
        `delivery latency (POST sent → frame received): p50 ${fmt(report.deliveryLatencyMs.p50)} ms, p90 ${fmt(report.deliveryLatencyMs.p90)} ms, p99 ${fmt(report.deliveryLatencyMs.p99)} ms, max ${fmt(report.deliveryLatencyMs.max)} ms`,
        `POST /message/create-new-message: p50 ${fmt(report.postLatencyMs.p50)} ms, p99 ${fmt(report.postLatencyMs.p99)} ms; frame after the POST's response: p50 ${fmt(report.deliveryAfterPostResponseMs.p50)} ms, p99 ${fmt(report.deliveryAfterPostResponseMs.p99)} ms`,
        `server CPU ${report.serverCpuPct ?? '-'}% of a core; load average ${report.machine.loadavg.join(' ')} on ${report.machine.cpus} cores`,
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/stream.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (report.deliveries.received < report.deliveries.expected || failed > 0) process.exitCode = 1;
  } finally {
    for (const r of requests) r.destroy();
    await server?.stop();
    await database.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    if (opts.redis) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:stream failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
