import { eq, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { settlementsDue, type orders } from '../db/schema/commerce.ts';

/** A card order just delivered starts waiting for settlement (in the delivery's transaction). */
export async function queueSettlement(ctx: Ctx, order: typeof orders.$inferSelect, deliveredAt: Date): Promise<void> {
  await ctx.db
    .insert(settlementsDue)
    .values({ orderId: order.id, shopId: order.shopId, netMinor: order.totalMinor - order.platformFeeMinor, deliveredAt })
    .onConflictDoNothing();
}

/**
 * A refunded order never settles. Called with the order locked, first thing in the refund's
 * transaction: if a settlement run holds the row, this waits for it to commit, so what the refund
 * reads next (settled or not) is final.
 */
export async function dropSettlement(ctx: Ctx, orderId: string): Promise<void> {
  await ctx.db.delete(settlementsDue).where(eq(settlementsDue.orderId, orderId));
}

/**
 * The statement body that claims up to `limit` orders due for settlement — delivered on or before
 * `cutoff`, still `Delivered` (a requested refund holds the money back), oldest delivery first —
 * by deleting their rows, and returns `id`, `shop_id` and `net_minor` (total less commission).
 * Rows another transaction holds (a concurrent run, a refund) are skipped, not waited for. For a `WITH`.
 */
export function claimDueSettlements(o: { cutoff: Date; limit: number }): SQL {
  // By row address (ctid), so the delete visits only the rows taken, however long the backlog is.
  return sql`DELETE FROM settlements_due
    WHERE ctid = ANY (ARRAY(
      SELECT s.ctid FROM settlements_due s JOIN orders o ON o.id = s.order_id
      WHERE s.delivered_at <= ${o.cutoff.toISOString()}::timestamptz AND o.status = 'Delivered'
      ORDER BY s.delivered_at, s.order_id
      LIMIT ${o.limit}
      FOR UPDATE OF s SKIP LOCKED))
    RETURNING order_id AS id, shop_id, net_minor`;
}
