import { sql, type SQL } from 'drizzle-orm';

/**
 * The statement body that claims up to `limit` orders due for settlement: delivered, paid card
 * orders delivered on or before `cutoff` and not settled yet, oldest delivery first. It marks them
 * settled at `now` and returns `id`, `shop_id` and `net_minor` (total less commission). Rows another
 * transaction holds (a concurrent run, a refund in progress) are skipped, not waited for; an order
 * whose refund was requested is no longer `Delivered`, so its money stays pending. For a `WITH`.
 */
export function claimDueSettlements(o: { cutoff: Date; limit: number; now: Date }): SQL {
  return sql`UPDATE orders SET settled_at = ${o.now.toISOString()}::timestamptz
    WHERE id IN (SELECT id FROM orders
                 WHERE status = 'Delivered' AND payment_type = 'Credit Card' AND settled_at IS NULL
                   AND payment_status = 'succeeded' AND delivered_at <= ${o.cutoff.toISOString()}::timestamptz
                 ORDER BY delivered_at, id
                 LIMIT ${o.limit}
                 FOR UPDATE SKIP LOCKED)
    RETURNING id, shop_id, total_minor - platform_fee_minor AS net_minor`;
}
