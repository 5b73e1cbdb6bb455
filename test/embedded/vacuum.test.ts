import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { findSchedule } from '../../src/core/jobs/index.ts';
import { startWorker } from '../../src/worker/worker.ts';

/**
 * PGlite runs no autovacuum, so the embedded default vacuums and analyzes its own tables on the
 * maintenance schedule; on a PostgreSQL server the schedule is off.
 */
let dataDir: string;
let core: Core;
const embedded = () => loadConfig({ NODE_ENV: 'test', PGLITE_DIR: 'memory://', DATA_DIR: dataDir });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'mvshop-vacuum-'));
  core = await createCore(embedded());
});
afterAll(async () => {
  await core?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface TableStats {
  name: string;
  dead: number;
  vacuumed: boolean;
  analyzed: boolean;
}
const stats = async () => {
  // Table counters reach the statistics views only once the backend flushes them (idle, at most once a second).
  await core.database.db.execute(sql`SELECT pg_stat_force_next_flush()`);
  return queryRows<TableStats>(
    core.database.db,
    sql`SELECT relname AS name, n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed
        FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`,
  );
};

describe('maintenance.vacuum', () => {
  const schedule = findSchedule('maintenance.vacuum')!;

  it('is on for the embedded database at the maintenance interval, and off on a PostgreSQL server', () => {
    expect(schedule.everyMs(embedded())).toBe(3_600_000);
    expect(schedule.everyMs(loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://127.0.0.1/x' }))).toBe(0);
  });

  it('vacuums a table full of deleted rows, analyzes every table once, then has nothing to do', async () => {
    const db = core.database.db;
    await db.execute(sql`INSERT INTO outbox (id, topic, payload, status)
      SELECT 'obx_' || g, 'email', '{}'::jsonb, 'done' FROM generate_series(1, 2000) g`);
    await db.execute(sql`DELETE FROM outbox WHERE id <> 'obx_1'`);
    const before = await stats();
    expect(before.find((t) => t.name === 'outbox')).toMatchObject({ dead: 1999, vacuumed: false });
    // Only the tables a migration analyzed (product_stock's) have statistics yet.
    expect(before.filter((t) => !t.analyzed).map((t) => t.name)).toEqual(expect.arrayContaining(['cart_items', 'orders', 'outbox', 'users']));

    const ctx = core.ctx({ kind: 'system', name: 'worker' });
    const first = await schedule.run(ctx);
    // Vacuumed: the outbox alone; analyzed: each table without statistics, the outbox among them.
    expect(first).toEqual({ vacuumed: 1, analyzed: before.filter((t) => !t.analyzed).length });
    const after = await stats();
    expect(after.find((t) => t.name === 'outbox')).toMatchObject({ dead: 0, vacuumed: true, analyzed: true });
    expect(after.filter((t) => !t.analyzed)).toEqual([]);
    expect((await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM outbox`))[0]!.n).toBe(1);

    expect(await schedule.run(ctx)).toEqual({ vacuumed: 0, analyzed: 0 });
  });

  it('runs on a timer in the embedded worker', async () => {
    const worker = await startWorker(embedded(), { core });
    try {
      expect(worker.runs).toContain('timer:maintenance.vacuum');
    } finally {
      await worker.close();
    }
  });
});
