import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { queryThroughCheckout } from './pool-query.ts';
import * as schema from './schema/index.ts';
import type { OwnerRole } from './embedded/owner-claim.ts';

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
  /** The most connections to open (createCore passes DATABASE_POOL_SIZE); an embedded directory serves at most 4. */
  poolSize: number;
  /** Embedded directory only: migrate it when this process is the one that opens it. */
  migrate?: boolean;
  /** Embedded directory only: how this process holds the directory (see EmbeddedHost). */
  role?: OwnerRole;
  /** Embedded directory only: where ownership changes are told. */
  note?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * PostgreSQL when a URL is given. Otherwise PGlite, a real Postgres in-process: in memory for one
 * process, or in a directory that one process owns and serves to the others (EmbeddedHost).
 */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  // Without synchronized scans, a sequential scan reads the table from its start even while another
  // is running, so "the first N matches" (catalog relevance, search-products.ts) is the same set on every
  // page. An `options` parameter in the URL replaces this one.
  if (opts.url)
    return poolDatabase('postgres', new pg.Pool({ connectionString: opts.url, max: opts.poolSize, options: '-c synchronize_seqscans=off' }));
  const inMemory = opts.pgliteDir === 'memory://' || opts.pgliteDir === ':memory:';
  // PGlite and its serving code load only here: processes on PostgreSQL never pay for them.
  if (!inMemory) {
    mkdirSync(opts.pgliteDir, { recursive: true });
    const [{ EmbeddedHost }, { migratePglite }] = await Promise.all([import('./embedded/embedded-host.ts'), import('./migrations.ts')]);
    const host = new EmbeddedHost({
      dir: opts.pgliteDir,
      role: opts.role ?? 'server',
      prepare: opts.migrate ? migratePglite : undefined,
      note: opts.note,
    });
    // Claim or find the owner now, so start-up fails here (not at the first query) if neither works.
    await host.port();
    // Statements run one at a time on PGlite's single backend, so more connections only queue.
    const database = poolDatabase('pglite', host.pool(Math.min(opts.poolSize, 4)));
    return {
      ...database,
      close: async () => {
        await database.close();
        await host.close();
      },
    };
  }
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  const pglite = new PGlite();
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

function poolDatabase(kind: Database['kind'], pool: pg.Pool): Database {
  queryThroughCheckout(pool);
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it, queries report their own errors.
  });
  return {
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    kind,
    client: { kind: 'postgres', pool },
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
