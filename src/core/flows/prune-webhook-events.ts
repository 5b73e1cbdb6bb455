import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';

/**
 * Forgets webhook events processed more than `retentionDays` ago. They are kept only to recognise a
 * redelivery, and Stripe stops redelivering an event after three days. Unprocessed ones stay.
 */
export async function pruneWebhookEvents(ctx: Pick<Ctx, 'db' | 'clock'>, retentionDays: number): Promise<{ deleted: number }> {
  const before = new Date(ctx.clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  const [row] = await queryRows<{ n: number }>(ctx.db, sql`
    WITH gone AS (DELETE FROM stripe_events WHERE processed_at < ${before}::timestamptz RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return { deleted: row?.n ?? 0 };
}
