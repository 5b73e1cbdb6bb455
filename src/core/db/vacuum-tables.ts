import { is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Ctx } from '../context.ts';
import { queryRows } from './tx.ts';

/**
 * What autovacuum does on a PostgreSQL server, for the embedded database, which has none: PGlite is a
 * single-user PostgreSQL without background workers, so its tables are never vacuumed or analyzed on
 * their own. Only page pruning then reclaims the rows checkouts, the outbox and stock changes leave
 * behind, and the planner has no statistics to go by (on a server without them, create-order's cart
 * read hashed all of 1,000 products for a two-line cart). A table past about autovacuum's default
 * thresholds (live rows standing in for its row estimate) is vacuumed: dead rows over 50 + 20 % of its
 * rows, or rows inserted since its last vacuum over 1,000 + 20 % (for index-only scans). One whose rows
 * changed by 50 + 10 % since its last analyze, or never analyzed, is analyzed. The counters lag the
 * writes a little: a backend reports its own when idle, at most once a second.
 */
export async function vacuumTables(ctx: Pick<Ctx, 'db'>): Promise<{ vacuumed: number; analyzed: number }> {
  if (is(ctx.db, PgTransaction)) throw new Error('vacuumTables needs the pool: VACUUM cannot run inside a transaction');
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
    await ctx.db.execute(t.vacuum ? sql`VACUUM (ANALYZE) ${table}` : sql`ANALYZE ${table}`);
  }
  const vacuumed = due.filter((t) => t.vacuum).length;
  return { vacuumed, analyzed: due.length };
}
