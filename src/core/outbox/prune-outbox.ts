import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';

const BATCH = 5000;

/**
 * Deletes rows delivered more than `retentionDays` ago, in batches so no statement holds many locks
 * for long. Pending and dead rows stay: they are work left, or a failure someone should see.
 */
export async function pruneOutbox(ctx: Pick<Ctx, 'db' | 'clock'>, retentionDays: number): Promise<{ deleted: number }> {
  const before = new Date(ctx.clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  let deleted = 0;
  for (;;) {
    const rows = await queryRows<{ id: string }>(ctx.db, sql`
      DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE status = 'done' AND processed_at < ${before}::timestamptz
        ORDER BY processed_at LIMIT ${BATCH}
      ) RETURNING id`);
    deleted += rows.length;
    if (rows.length < BATCH) return { deleted };
  }
}
