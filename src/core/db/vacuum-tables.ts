import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from './tx.ts';

/**
 * What autovacuum does on a PostgreSQL server, for the embedded database, which has none: PGlite is a
 * single-user PostgreSQL without background workers, so its tables are never vacuumed or analyzed on
 * their own. Deleted and updated rows (cart lines taken by checkouts, outbox rows, stock) then pile up
 * in tables and indexes, and the planner has no statistics to go by (create-order's cart read hashed
 * all of 1,000 products for a two-line cart until analyzed). A table past autovacuum's default
 * thresholds is vacuumed (dead rows over 50 + 20 % of its rows, or rows inserted since its last vacuum
 * over 1,000 + 20 %, for index-only scans) and analyzed (rows changed since its last analyze over
 * 50 + 10 %, or never analyzed). The counters it reads lag the writes by up to a second.
 */
export async function vacuumTables(ctx: Pick<Ctx, 'db'>): Promise<{ vacuumed: number; analyzed: number }> {
  const due = await queryRows<{ name: string; vacuum: boolean }>(
    ctx.db,
    sql`SELECT name, to_vacuum AS vacuum FROM (
          SELECT relname AS name,
            n_dead_tup > 50 + 0.2 * n_live_tup OR n_ins_since_vacuum > 1000 + 0.2 * n_live_tup AS to_vacuum,
            n_mod_since_analyze > 50 + 0.1 * n_live_tup OR coalesce(last_analyze, last_autoanalyze) IS NULL AS to_analyze
          FROM pg_stat_user_tables WHERE schemaname = 'public') t
        WHERE to_vacuum OR to_analyze ORDER BY name`,
  );
  for (const t of due) {
    const table = sql`public.${sql.identifier(t.name)}`;
    // VACUUM cannot run inside a transaction: each is a statement of its own.
    await ctx.db.execute(t.vacuum ? sql`VACUUM (ANALYZE) ${table}` : sql`ANALYZE ${table}`);
  }
  const vacuumed = due.filter((t) => t.vacuum).length;
  return { vacuumed, analyzed: due.length };
}
