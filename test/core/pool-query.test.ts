import { sql } from 'drizzle-orm';
import { setFlagsFromString } from 'node:v8';
import type pg from 'pg';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/core/db/index.ts';
import { createCore, loadConfig } from '../../src/core/index.ts';
import { createTestDatabase } from '../helpers/database.ts';

/*
 * The pool's `query` (what drizzle and the catalog index use outside transactions) keeps nothing of a
 * result once it is answered, and a statement PostgreSQL refuses does not cost the pool its connection.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const pool = () => {
  if (database.client.kind !== 'postgres') throw new Error('expected a pg pool');
  return database.client.pool;
};
const backendPid = async () => (await pool().query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

/** Whether the rows `read` returns are still reachable once it has answered and garbage is collected. */
async function rowsOutlive(read: () => Promise<object>): Promise<boolean> {
  const ref = new WeakRef(await read());
  for (let i = 0; i < 3; i++) {
    // A WeakRef's target stays alive until the job that made or read it ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() !== undefined;
}

describe('the database pool', () => {
  beforeAll(async () => {
    database = await openDatabase({ url: testDb.url, pgliteDir: 'memory://', poolSize: 4 });
  });

  it('keeps no rows of the query that opened a connection', async () => {
    const held: pg.PoolClient[] = [];
    try {
      // Before each read, every open connection is checked out, so the read opens one.
      held.push(await pool().connect());
      expect(await rowsOutlive(async () => (await pool().query('SELECT g, md5(g::text) FROM generate_series(1, 1000) g')).rows)).toBe(false);
      held.push(await pool().connect());
      expect(await rowsOutlive(async () => ((await database.db.execute(sql`SELECT g FROM generate_series(1, 1000) g`)) as unknown as { rows: object }).rows)).toBe(false);
      expect(pool().totalCount).toBe(3);
    } finally {
      for (const client of held) client.release();
    }
  });

  it('keeps the connection of a statement PostgreSQL refused with an ERROR', async () => {
    await pool().query('SELECT 1');
    const pid = await backendPid();
    await expect(pool().query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
    expect(await backendPid()).toBe(pid);
  });

  it('drops a connection the server ended, one whose socket died mid-query, and one left inside a transaction', async () => {
    const first = await backendPid();
    await expect(pool().query('SELECT pg_terminate_backend(pg_backend_pid())')).rejects.toThrow(/terminating connection/);
    const second = await backendPid();
    expect(second).not.toBe(first);

    // The pool hands out the client it got back last: the one that answered `second`.
    const before = pool().totalCount;
    pool().once('acquire', (client) => setTimeout(() => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(), 50));
    await expect(pool().query('SELECT pg_sleep(5)')).rejects.toThrow();
    expect(pool().totalCount).toBe(before - 1);
    const third = await backendPid();
    expect(third).not.toBe(second);

    await expect(pool().query('BEGIN; SELECT 1 / 0')).rejects.toThrow(/division by zero/);
    const fourth = await backendPid();
    expect(fourth).not.toBe(third);
    await pool().query('BEGIN');
    expect(await backendPid()).not.toBe(fourth);
    expect((await pool().query<{ open: boolean }>('SELECT now() <> statement_timestamp() AS open')).rows[0]!.open).toBe(false);
  });

  it('answers a callback as pg-pool does', async () => {
    const answer = await new Promise<unknown>((resolve, reject) =>
      pool().query('SELECT $1::int + 1 AS n', [41], (err, res) => (err ? reject(err) : resolve(res.rows[0]))),
    );
    expect(answer).toEqual({ n: 42 });
    const refused = await new Promise<Error | undefined>((resolve) => pool().query('SELECT nope', (err: Error | undefined) => resolve(err)));
    expect(refused?.message).toMatch(/column "nope" does not exist/);
  });
});

describe('DATABASE_POOL_SIZE', () => {
  /** Backends that answered `queries` statements sent at once through a core opened with `env`. */
  async function backendsFor(env: Record<string, string>, queries: number): Promise<number> {
    const core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: testDb.url, DATA_DIR: 'unused', ...env }));
    try {
      const pids = await Promise.all(
        Array.from({ length: queries }, async () => {
          const { rows } = (await core.ctx().db.execute(sql`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`)) as unknown as { rows: { pid: number }[] };
          return rows[0]!.pid;
        }),
      );
      return new Set(pids).size;
    } finally {
      await core.close();
    }
  }

  it('bounds the connections a process opens, 20 unless set', async () => {
    expect(await backendsFor({ DATABASE_POOL_SIZE: '3' }, 8)).toBe(3);
    // The default read from the pool rather than by opening 20 connections beside the other test files'.
    const core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: testDb.url, DATA_DIR: 'unused' }));
    try {
      const { client } = core.database;
      expect(client.kind === 'postgres' && client.pool.options.max).toBe(20);
    } finally {
      await core.close();
    }
  });

  it('refuses a size below 1 or not a whole number, naming the variable', () => {
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE .*>=1/);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: 'many' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '2.5' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
