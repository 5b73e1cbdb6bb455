import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedHost } from '../../src/core/db/embedded/embedded-host.ts';
import { claimDirectory } from '../../src/core/db/embedded/owner-claim.ts';

/**
 * The embedded owner serves one PGlite backend to many `pg` connections. These pin what a client
 * relies on from a PostgreSQL server: its own results, whole transactions, and a clean backend
 * after another client vanished mid-transaction.
 */
let dir: string;
let host: EmbeddedHost;
let pool: pg.Pool;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mvshop-wire-'));
  host = new EmbeddedHost({ dir, role: 'server' });
  pool = host.pool(4);
  await pool.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await host?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('embedded wire server', () => {
  it('gives each of many interleaved parameterized (and same-named) statements its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        pool.query<{ v: number; t: string }>({ name: 'echo', text: 'SELECT $1::int AS v, $2::text AS t', values: [i, `row ${i}`] }),
      ),
    );
    expect(results.map((r) => [r.rows[0]!.v, r.rows[0]!.t])).toEqual(Array.from({ length: 60 }, (_, i) => [i, `row ${i}`]));
  });

  it('runs a transaction alone: another connection neither sees its uncommitted rows nor runs inside it', async () => {
    const a = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query(`INSERT INTO items VALUES (1, 'uncommitted')`);
      let otherDone = false;
      const other = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items').then((r) => {
        otherDone = true;
        return r.rows[0]!.n;
      });
      await new Promise((r) => setTimeout(r, 200));
      // The other connection waits for the transaction instead of joining it.
      expect(otherDone).toBe(false);
      await a.query('ROLLBACK');
      expect(await other).toBe(0);
    } finally {
      a.release();
    }
  });

  it('rolls back the open transaction of a connection that vanished, and serves the others on', async () => {
    const lost = new pg.Client({ host: '127.0.0.1', port: await host.port(), user: 'postgres', database: 'postgres' });
    await lost.connect();
    lost.on('error', () => undefined);
    await lost.query('BEGIN');
    await lost.query(`INSERT INTO items VALUES (2, 'never committed')`);
    const waiting = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 2');
    (lost as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0]!.n).toBe(0);
    await pool.query(`INSERT INTO items VALUES (2, 'committed')`);
    expect((await pool.query('SELECT label FROM items WHERE id = 2')).rows).toEqual([{ label: 'committed' }]);
  });

  it('a second claim on the directory finds the owner instead of opening it', async () => {
    const second = await claimDirectory(dir, { waitMs: 5_000 });
    expect(second.kind).toBe('taken');
    if (second.kind === 'taken') expect(second.owner).toMatchObject({ pid: process.pid, port: await host.port(), role: 'server' });
  });
});
