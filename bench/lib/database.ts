import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateDatabase, openDatabase } from '../../src/core/db/index.ts';
import { assertLoopback } from './loopback.ts';

export interface BenchDatabase {
  name: string;
  /** Connection URL of the fresh database. */
  url: string;
  drop(): Promise<void>;
}

/** The maintenance database on the same server: the URL's own database, or `postgres` when it names none. */
function adminUrl(server: URL): string {
  const url = new URL(server);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/postgres';
  return url.toString();
}

async function withAdmin<T>(server: URL, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(server), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const PREFIX = 'mvshop_bench_';
const STALE_MS = 6 * 3600_000;

/** Databases left by bench runs that were killed outright (SIGKILL gives no chance to clean up). */
async function dropStale(server: URL): Promise<string[]> {
  return withAdmin(server, async (c) => {
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`);
    const cutoff = Date.now() - STALE_MS;
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const m = /^mvshop_bench_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_[0-9a-f]+$/.exec(name);
        return m !== null && Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) < cutoff;
      });
    for (const name of stale) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return stale;
  });
}

/**
 * A new, migrated database on the loopback PostgreSQL server, named `mvshop_bench_<time>_<random>`,
 * so the bench never reads or writes anyone's real data. `drop` removes it (forcing out stray sessions);
 * bench databases more than 6 hours old, left by killed runs, are dropped first.
 */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const server = assertLoopback('BENCH_DATABASE_URL', serverUrl);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const name = `${PREFIX}${stamp}_${randomBytes(3).toString('hex')}`;
  const stale = await dropStale(server);
  if (stale.length > 0) process.stderr.write(`bench: dropped ${stale.length} stale bench database(s) older than 6 h\n`);
  await withAdmin(server, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const bench: BenchDatabase = {
    name,
    url: url.toString(),
    drop: () => withAdmin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
  try {
    const database = await openDatabase({ url: bench.url, pgliteDir: 'memory://', poolSize: 2 });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
  } catch (err) {
    await bench.drop().catch(() => undefined);
    throw err;
  }
  return bench;
}
