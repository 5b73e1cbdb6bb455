import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedCatalog } from '../../src/core/catalog/index.ts';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { baseEnv, mvshop } from './run-cli.ts';

vi.setConfig({ testTimeout: 120_000 });

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let core: Core;
let cwd: string;
let env: Record<string, string>;
let listings: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-audit-'));
  env = { ...baseEnv(), DATABASE_URL: db.url, DATA_DIR: cwd };
  core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: cwd }), { poolSize: 2 });
  listings = (await seedCatalog(core.ctx(), { shops: 2, products: 12, analyze: false })).productIds;
});

afterAll(async () => {
  await core?.close();
  await sql?.end();
  await db?.drop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (...args: string[]) => mvshop(args, { cwd, env });

interface Row {
  id: string;
  seq: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  details: unknown;
  created_at: Date;
  prev_hash: string;
  hash: string;
}
const rows = async () => (await sql.query<Row>('SELECT * FROM audit_log ORDER BY seq')).rows.map((r) => ({ ...r, seq: Number(r.seq) }));

/** Puts a row back exactly as it was (after a test deleted it). */
async function reinsert(r: Row) {
  await sql.query(
    `INSERT INTO audit_log (id, seq, actor, action, target, reason, details, created_at, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.id, r.seq, r.actor, r.action, r.target, r.reason, r.details === null ? null : JSON.stringify(r.details), r.created_at, r.prev_hash, r.hash],
  );
}

async function verify() {
  const res = await run('audit', 'verify', '--json');
  return { code: res.code, report: res.json<{ ok: boolean; rows: number; head: { seq: number; hash: string }; problems: { kind: string; seq: number | null; id: string | null; message: string }[] }>() };
}

describe('mvshop audit verify on concurrent writers', () => {
  it('audited commands run by 8 processes at once leave a chain numbered 1..n without gaps that verifies', async () => {
    const results = await Promise.all(
      listings.slice(0, 8).map((id, i) => mvshop(['product', 'hide', id, '--reason', `batch ${i}`, '--as', `ops-${i % 3}`], { cwd, env })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const chain = await rows();
    expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => i + 1));
    expect(chain.filter((r) => r.action === 'listing.hide')).toHaveLength(8);
    const { code, report } = await verify();
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, rows: chain.length, head: { seq: chain.length, hash: chain.at(-1)!.hash }, problems: [] });
    const table = await run('audit', 'verify');
    expect(table.stdout).toContain('Audit chain OK.');
  });
});

describe('mvshop audit list', () => {
  it('filters by actor (an operator by bare name), target, action and time; newest first; one JSON document', async () => {
    const res = await run('audit', 'list', '--actor', 'ops-1', '--json');
    expect(res.code, res.stderr).toBe(0);
    const page = res.json();
    expect(page.entries.length).toBeGreaterThan(0);
    expect(page.entries.every((e: any) => e.actor === 'operator:ops-1')).toBe(true);
    expect(page.entries.map((e: any) => e.seq)).toEqual([...page.entries.map((e: any) => e.seq)].sort((a, b) => b - a));
    expect(page).toMatchObject({ total: page.entries.length, page: 1 });

    const target = listings[0]!;
    const byTarget = await run('audit', 'list', '--target', target, '--action', 'listing.hide', '--json');
    expect(byTarget.json().entries).toEqual([expect.objectContaining({ target, action: 'listing.hide', reason: 'batch 0', actor: 'operator:ops-0' })]);
    expect((await run('audit', 'list', '--since', '2999-01-01', '--json')).json()).toMatchObject({ entries: [], total: 0 });
    expect((await run('audit', 'list', '--since', 'soon')).code).toBe(2);

    const table = await run('audit', 'list', '--target', target);
    expect(table.stdout).toContain('listing.hide');
    expect(table.stdout).toContain('batch 0');
  });
});

describe('mvshop audit verify on a damaged chain', () => {
  it('an edited row: exit 1 naming the row and its position; put back, the chain verifies again', async () => {
    const victim = (await rows())[2]!;
    await sql.query(`UPDATE audit_log SET reason = 'nothing to see' WHERE id = $1`, [victim.id]);
    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ kind: 'edited', seq: victim.seq, id: victim.id, message: expect.stringContaining(`row #${victim.seq} (${victim.id}) was edited`) }]);
    const table = await run('audit', 'verify');
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(`edited: row #${victim.seq} (${victim.id}) was edited`);
    expect(table.stdout).toContain('Audit chain is broken.');

    await sql.query(`UPDATE audit_log SET reason = $2 WHERE id = $1`, [victim.id, victim.reason]);
    expect((await verify()).code).toBe(0);
  });

  it('a deleted row in the middle: exit 1 naming its position and the rows around it', async () => {
    const chain = await rows();
    const [before, victim, after] = [chain[3]!, chain[4]!, chain[5]!];
    await sql.query('DELETE FROM audit_log WHERE id = $1', [victim.id]);
    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.problems).toEqual([
      {
        kind: 'missing',
        seq: victim.seq,
        id: null,
        message: `row #${victim.seq} is missing (deleted), between #${before.seq} (${before.id}) and #${after.seq} (${after.id})`,
      },
    ]);
    await reinsert(victim);
    expect((await verify()).code).toBe(0);
  });

  it('the last rows deleted: the chain head still knows how far the chain went', async () => {
    const chain = await rows();
    const lastTwo = chain.slice(-2);
    await sql.query('DELETE FROM audit_log WHERE seq > $1', [chain.length - 2]);
    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.problems).toEqual([
      { kind: 'missing', seq: chain.length - 1, id: null, message: `rows #${chain.length - 1}–#${chain.length} are missing (deleted) at the end: the chain head is at #${chain.length}` },
    ]);
    for (const r of lastTwo) await reinsert(r);
    expect((await verify()).code).toBe(0);
  });

  it('a row rewritten with a freshly computed hash: the next row’s link gives it away', async () => {
    const chain = await rows();
    const [victim, next] = [chain[1]!, chain[2]!];
    await sql.query(
      `UPDATE audit_log SET reason = 'rewritten', hash = audit_row_hash(seq, prev_hash, id, actor, action, target, 'rewritten', details, created_at) WHERE id = $1`,
      [victim.id],
    );
    const { code, report } = await verify();
    expect(code).toBe(1);
    expect(report.problems).toEqual([
      { kind: 'relinked', seq: victim.seq, id: victim.id, message: `row #${victim.seq} (${victim.id}) was rewritten: row #${next.seq} (${next.id}) recorded a different hash for it` },
    ]);
    await sql.query('UPDATE audit_log SET reason = $2, hash = $3 WHERE id = $1', [victim.id, victim.reason, victim.hash]);
    expect((await verify()).code).toBe(0);
  });
});
