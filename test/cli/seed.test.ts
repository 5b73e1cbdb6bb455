import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, tableFingerprints } from '../helpers/database.ts';
import { baseEnv, mvshop, mvshopOnTerminal } from './run-cli.ts';

// Each case starts real `mvshop` processes that seed whole marketplaces; CI machines can be busy.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

/** Every status a use case can put an order in (nothing in core creates "Pending payment" or "Cancelled"). */
const REACHABLE = ['Processing', 'Transferred to delivery partner', 'Shipping', 'Received', 'On the way', 'Delivered', 'Processing refund', 'Refund Success'];
const SIZE = ['--shops', '4', '--products', '300', '--users', '12', '--orders', '24'];

interface Seeded {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  sql: pg.Client;
  env: Record<string, string>;
}

let cwd: string;
const dbs: Seeded[] = [];

async function freshDatabase(): Promise<Seeded> {
  const db = await createTestDatabase();
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const seeded = { db, sql, env: { ...baseEnv(), DATABASE_URL: db.url, DATA_DIR: cwd, MVSHOP_OPERATOR: 'ops-sid' } };
  dbs.push(seeded);
  return seeded;
}

/**
 * What a seed must reproduce: every table's rows, except the audit row of the seed run itself (who
 * ran it and when, at the real time) and the chain head that follows from it.
 */
async function seededDigest(sql: pg.Client): Promise<Record<string, string>> {
  const { audit_log: _log, audit_chain_head: _head, ...tables } = await tableFingerprints(sql);
  const { rows } = await sql.query<{ digest: string }>(
    `SELECT md5(string_agg(a::text, '|' ORDER BY a.seq)) AS digest FROM audit_log a WHERE action <> 'marketplace.seed'`,
  );
  // products.changed_at is the database's clock at the write (migration 0014, for the catalog index),
  // not seeded content: two seedings a second apart differ there and nowhere else.
  const { rows: listed } = await sql.query<{ digest: string }>(
    `SELECT md5(string_agg((to_jsonb(p) - 'changed_at')::text, '|' ORDER BY p.id)) AS digest FROM products p`,
  );
  return { ...tables, products: listed[0]!.digest, audit_log: rows[0]!.digest };
}

let a: Seeded;
let first: { code: number | null; stdout: string; stderr: string; json<T = any>(): T };

beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-seed-'));
  a = await freshDatabase();
  first = await mvshop(['seed', ...SIZE, '--seed', '7', '--yes', '--json'], { cwd, env: a.env, timeoutMs: 150_000 });
});

afterAll(async () => {
  for (const { sql, db } of dbs) {
    await sql.end();
    await db.drop();
  }
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('mvshop seed', () => {
  it('--json prints one document: counts, orders in every reachable status, withdrawals decided each way, books and audit verified', async () => {
    expect(first.code, first.stderr).toBe(0);
    const out = first.json();
    expect(out).toMatchObject({
      ok: true,
      shops: 4,
      products: 300,
      events: 8,
      coupons: 4,
      buyers: 12,
      orders: 24,
      firstShopEmail: 'seed-s7-1@shops.mvshop.test',
      firstBuyerEmail: 'buyer-1@buyers.mvshop.test',
      ledger: { ok: true },
      audit: { ok: true },
    });
    expect(Object.keys(out.ordersByStatus).sort()).toEqual([...REACHABLE].sort());
    expect(Object.values<number>(out.ordersByStatus).reduce((x, y) => x + y, 0)).toBe(24);
    expect(out.reviews).toBeGreaterThan(0);
    expect(out.refunds).toBe(out.ordersByStatus['Refund Success']);
    expect(out.settledOrders).toBeGreaterThan(0);
    expect(Object.keys(out.withdrawalsByStatus).sort()).toEqual(['Processing', 'rejected', 'succeed']);

    // The rows say the same as the summary.
    const { rows: statuses } = await a.sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
    expect(Object.fromEntries(statuses.map((r) => [r.status, r.n]))).toEqual(out.ordersByStatus);
    const { rows: counts } = await a.sql.query(
      `SELECT (SELECT count(*)::int FROM shops WHERE withdraw_method IS NOT NULL) AS banked, (SELECT count(*)::int FROM users) AS buyers,
              (SELECT count(*)::int FROM reviews) AS reviews, (SELECT count(*)::int FROM refunds WHERE status = 'succeeded') AS refunds,
              (SELECT count(DISTINCT payment_type)::int FROM orders) AS payment_types,
              (SELECT count(*)::int FROM checkouts WHERE coupon_code IS NOT NULL) AS with_coupon`,
    );
    expect(counts[0]).toMatchObject({ banked: 4, buyers: 12, reviews: out.reviews, payment_types: 2 });
    expect(counts[0].with_coupon).toBeGreaterThan(0);
    expect(counts[0].refunds).toBeGreaterThan(0);
    const { rows: audit } = await a.sql.query(`SELECT actor, action FROM audit_log ORDER BY seq`);
    expect(audit.at(-1)).toEqual({ actor: 'operator:ops-sid', action: 'marketplace.seed' });
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['withdrawal.approve', 'withdrawal.reject']));

    // Progress went to stderr as plain lines (no terminal), never to stdout.
    expect(first.stderr).toContain('orders: 24/24');
    expect(first.stderr).not.toContain('\r');
  });

  it('leaves books that `ledger verify` and `audit verify` find clean', async () => {
    const ledger = await mvshop(['ledger', 'verify', '--json'], { cwd, env: a.env });
    expect(ledger.code, ledger.stderr).toBe(0);
    expect(ledger.json()).toMatchObject({ ok: true });
    const audit = await mvshop(['audit', 'verify', '--json'], { cwd, env: a.env });
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.json()).toMatchObject({ ok: true });
  });

  it('gives the same rows for the same --seed (here seeded on a terminal, asked first, with a progress bar) and different ones for another', async () => {
    const b = await freshDatabase();
    const onTerminal = await mvshopOnTerminal(['seed', ...SIZE, '--seed', '7'], {
      cwd,
      env: b.env,
      prompt: 'Seed a marketplace of 4 shops, 300 products, 12 buyers and 24 orders (seed 7)?',
      keys: 'y\r',
      timeoutMs: 150_000,
    });
    expect(onTerminal.code, onTerminal.output).toBe(0);
    expect(onTerminal.output).toMatch(/orders\s+\[#{30}\] 100% 24\/24/);
    expect(onTerminal.output).toMatch(/│ ledger verify\s+│ ok/);

    const digestA = await seededDigest(a.sql);
    expect(await seededDigest(b.sql)).toEqual(digestA);
    expect(digestA.orders).not.toBe('');

    const c = await freshDatabase();
    const other = await mvshop(['seed', ...SIZE, '--seed', '8', '--yes', '--json'], { cwd, env: c.env, timeoutMs: 150_000 });
    expect(other.code, other.stderr).toBe(0);
    const digestC = await seededDigest(c.sql);
    for (const table of ['shops', 'products', 'users', 'orders', 'ledger_entries']) expect(digestC[table], table).not.toBe(digestA[table]);
  });

  it('refuses a database that already holds a marketplace (exit 1, nothing changed), and --dry-run on an empty one changes nothing', async () => {
    const before = await tableFingerprints(a.sql);
    const again = await mvshop(['seed', ...SIZE, '--seed', '9', '--yes'], { cwd, env: a.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds 4 shop\(s\), 12 buyer\(s\) and 24 order\(s\)/);
    expect(await tableFingerprints(a.sql)).toEqual(before);

    const empty = await freshDatabase();
    const untouched = await tableFingerprints(empty.sql);
    const dry = await mvshop(['seed', '--shops', '2', '--products', '20', '--users', '3', '--orders', '10', '--dry-run', '--json'], { cwd, env: empty.env });
    expect(dry.code, dry.stderr).toBe(0);
    const report = dry.json();
    expect(report).toMatchObject({ ok: true, orders: 10 });
    expect(report.dryRun.changes).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'orders', inserted: 10 })]));
    expect(await tableFingerprints(empty.sql)).toEqual(untouched);
  });

  it('usage errors exit 2 and name the flag', async () => {
    const env = a.env;
    for (const [args, message] of [
      [['--shops', '0'], '--shops must be at least 1'],
      [['--orders', 'many'], '--orders must be a whole number'],
      [['--products', '-5'], '--products must be at least 0'],
      [['--users', '2000000'], '--users must be at most 1000000'],
      [['--at', 'yesterday-ish'], '--at must be a date'],
      [['--password', 'short'], '--password must be at least 8 characters'],
      [['--colour', 'red'], "unknown option '--colour'"],
    ] as const) {
      const res = await mvshop(['seed', ...args, '--yes'], { cwd, env });
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stdout).toBe('');
    }
  });
});
