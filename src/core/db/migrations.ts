import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PGlite } from '@electric-sql/pglite';
import type { Database } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));
// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_KEY = 727_001;

/** Applies pending migrations. Concurrent migrators (several API replicas) queue on an advisory lock. */
export async function migrateDatabase(database: Database): Promise<void> {
  const { client } = database;
  if (client.kind === 'pglite') return migratePglite(client.pglite);
  const lockClient = await client.pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    // The migration runs on the connection that holds the lock, so a pool of one cannot deadlock.
    await migratePg(drizzlePg({ client: lockClient }), { migrationsFolder });
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    lockClient.release();
  }
}

/** Applies pending migrations to a PGlite database this process has open (and nobody else can reach yet). */
export async function migratePglite(pglite: PGlite): Promise<void> {
  const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator')]);
  await migrate(drizzle({ client: pglite }) as unknown as PgliteDatabase, { migrationsFolder });
}

export interface MigrationStatus {
  name: string;
  applied: boolean;
  appliedAt?: Date;
}

interface Journal {
  entries: { idx: number; when: number; tag: string }[];
}

/** Which committed migrations this database has applied. */
export async function migrationStatus(database: Database): Promise<MigrationStatus[]> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as Journal;
  const sql = `SELECT created_at FROM drizzle.__drizzle_migrations`;
  let applied: number[] = [];
  try {
    if (database.client.kind === 'pglite') {
      const res = await database.client.pglite.query<{ created_at: string | number }>(sql);
      applied = res.rows.map((r) => Number(r.created_at));
    } else {
      const res = await database.client.pool.query<{ created_at: string | number }>(sql);
      applied = res.rows.map((r) => Number(r.created_at));
    }
  } catch (err) {
    // 42P01 / 3F000: the migrations table or schema does not exist yet, so nothing is applied.
    const code = (err as { code?: string }).code;
    if (code !== '42P01' && code !== '3F000') throw err;
  }
  const appliedSet = new Set(applied);
  return journal.entries.map((e) => ({
    name: e.tag,
    applied: appliedSet.has(e.when),
    appliedAt: appliedSet.has(e.when) ? new Date(e.when) : undefined,
  }));
}
