import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, vacuumTables, withTx } from '../../src/core/db/index.ts';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { findSchedule } from '../../src/core/jobs/index.ts';
import { startWorker } from '../../src/worker/worker.ts';

/**
 * PGlite runs no autovacuum, so the embedded default vacuums and analyzes its own tables on the
 * maintenance schedule; on a PostgreSQL server the schedule is off.
 */
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'mvshop-vacuum-'));
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const embedded = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', PGLITE_DIR: 'memory://', DATA_DIR: dataDir, ...env });
const schedule = findSchedule('maintenance.vacuum')!;

interface TableStats {
  name: string;
  dead: number;
  vacuumed: boolean;
  analyzed: boolean;
}
async function stats(core: Core): Promise<TableStats[]> {
  // Table counters reach the statistics views only once the backend reports them (when idle, at most once a second).
  await core.database.db.execute(sql`SELECT pg_stat_force_next_flush()`);
  return queryRows<TableStats>(
    core.database.db,
    sql`SELECT relname AS name, n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed
        FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`,
  );
}

describe('maintenance.vacuum', () => {
  it('is on for the embedded database at the maintenance interval, and off on a PostgreSQL server', () => {
    expect(schedule.everyMs(embedded())).toBe(embedded().schedules.maintenanceMs);
    expect(schedule.everyMs(embedded({ SCHEDULE_MAINTENANCE_SECONDS: '0' }))).toBe(0);
    expect(schedule.everyMs(loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://127.0.0.1/x' }))).toBe(0);
  });

  // In memory, drizzle talks to PGlite itself; in a directory (the default), through the embedded host's wire server and a pg pool.
  describe.each([
    ['in memory', () => 'memory://'],
    ['in a directory', () => path.join(dataDir, 'pglite')],
  ])('on PGlite %s', (_, pgliteDir) => {
    let core: Core;
    beforeAll(async () => {
      core = await createCore(embedded({ PGLITE_DIR: pgliteDir() }));
    });
    afterAll(async () => {
      await core?.close();
    });
    const run = async () => {
      await stats(core);
      return schedule.run(core.ctx({ kind: 'system', name: 'worker' }));
    };
    const exec = (query: ReturnType<typeof sql>) => core.database.db.execute(query);

    it('vacuums a table full of deleted rows and analyzes every table without statistics, then has nothing to do', async () => {
      await exec(sql`CREATE TABLE public.vacuum_probe (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
      await exec(sql`INSERT INTO vacuum_probe (id) SELECT g FROM generate_series(1, 100) g`);
      await exec(sql`INSERT INTO outbox (id, topic, payload, status) SELECT 'obx_' || g, 'email', '{}'::jsonb, 'done' FROM generate_series(1, 2000) g`);
      await exec(sql`DELETE FROM outbox WHERE id <> 'obx_1'`);
      const before = await stats(core);
      expect(before.find((t) => t.name === 'outbox')).toMatchObject({ dead: 1999, vacuumed: false, analyzed: false });
      // Only the tables a migration analyzed (product_stock) have statistics yet.
      expect(before.filter((t) => !t.analyzed).map((t) => t.name)).toEqual(expect.arrayContaining(['cart_items', 'orders', 'outbox', 'users', 'vacuum_probe']));

      // Vacuumed: the outbox alone (the probe's 100 inserts are under 1,000); analyzed: each table without statistics.
      expect(await run()).toEqual({ vacuumed: 1, analyzed: before.filter((t) => !t.analyzed).length });
      const after = await stats(core);
      expect(after.find((t) => t.name === 'outbox')).toMatchObject({ dead: 0, vacuumed: true, analyzed: true });
      expect(after.filter((t) => !t.analyzed)).toEqual([]);
      expect(await queryRows(core.database.db, sql`SELECT id FROM outbox`)).toEqual([{ id: 'obx_1' }]);
      expect(await run()).toEqual({ vacuumed: 0, analyzed: 0 });
    });

    it('follows the thresholds: dead rows, rows inserted, rows changed', async () => {
      // 45 dead of 100: under 50 + 20 % of the 55 left, and under the 50 + 10 % changes that call for an analyze.
      await exec(sql`DELETE FROM vacuum_probe WHERE id <= 45`);
      expect(await run()).toEqual({ vacuumed: 0, analyzed: 0 });
      // 65 dead: over 50 + 20 % of the 35 left.
      await exec(sql`DELETE FROM vacuum_probe WHERE id <= 65`);
      expect(await run()).toEqual({ vacuumed: 1, analyzed: 1 });
      // 1,300 rows inserted: over 1,000 + 20 % of the 1,335 there now, with no row dead.
      await exec(sql`INSERT INTO vacuum_probe (id) SELECT g FROM generate_series(1001, 2300) g`);
      expect(await run()).toEqual({ vacuumed: 1, analyzed: 1 });
      // 200 rows changed: over 50 + 10 % of 1,335 for an analyze, under 50 + 20 % for a vacuum.
      await exec(sql`UPDATE vacuum_probe SET n = 1 WHERE id BETWEEN 1001 AND 1200`);
      expect(await run()).toEqual({ vacuumed: 0, analyzed: 1 });
    });

    it('refuses to run inside a transaction, where VACUUM cannot', async () => {
      await expect(withTx(core.ctx(), (tx) => vacuumTables({ db: tx }))).rejects.toThrow(/cannot run inside a transaction/);
    });
  });

  it('runs on its timer in the embedded worker', { timeout: 30_000 }, async () => {
    const config = embedded({ SCHEDULE_MAINTENANCE_SECONDS: '1' });
    const core = await createCore(config);
    const worker = await startWorker(config, { core });
    try {
      expect(worker.runs).toContain('timer:maintenance.vacuum');
      await expect.poll(async () => (await stats(core)).filter((t) => !t.analyzed).map((t) => t.name), { timeout: 15_000, interval: 500 }).toEqual([]);
    } finally {
      await worker.close();
      await core.close();
    }
  });
});
