import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** One type for a pg pool, PGlite and an open transaction: core code never cares which. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Raw access for the migrator and maintenance commands. */
  client: { kind: 'postgres'; pool: pg.Pool } | { kind: 'pglite'; pglite: PGlite };
}

// COUNT(*) and SUM(bigint) come back as int8; every amount we store fits in a JS safe integer.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  url?: string;
  pgliteDir: string;
  poolSize?: number;
}

/** PostgreSQL when a URL is given, otherwise PGlite (a real Postgres, in-process) on disk or in memory. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 20 });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it, queries report their own errors.
    });
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      client: { kind: 'postgres', pool },
      ping: async () => {
        await pool.query('SELECT 1');
      },
      close: () => pool.end(),
    };
  }
  const inMemory = opts.pgliteDir === 'memory://' || opts.pgliteDir === ':memory:';
  if (!inMemory) mkdirSync(opts.pgliteDir, { recursive: true });
  const pglite = inMemory ? new PGlite() : new PGlite(opts.pgliteDir);
  await pglite.waitReady;
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    client: { kind: 'pglite', pglite },
    ping: async () => {
      await pglite.query('SELECT 1');
    },
    close: () => pglite.close(),
  };
}
