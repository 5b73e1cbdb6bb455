import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { withdrawals } from '../db/schema/withdrawals.ts';

/** Per shop, what its withdrawals say its held and paid-out balances must be (`ledger verify`). */
export async function withdrawalTotals(ctx: Ctx): Promise<Map<string, { processingMinor: number; succeedMinor: number }>> {
  const rows = await ctx.db
    .select({
      shopId: withdrawals.shopId,
      processing: sql<number>`COALESCE(SUM(${withdrawals.amountMinor}) FILTER (WHERE ${withdrawals.status} = 'Processing'), 0)::bigint`.mapWith(Number),
      succeed: sql<number>`COALESCE(SUM(${withdrawals.amountMinor}) FILTER (WHERE ${withdrawals.status} = 'succeed'), 0)::bigint`.mapWith(Number),
    })
    .from(withdrawals)
    .groupBy(withdrawals.shopId);
  return new Map(rows.map((r) => [r.shopId, { processingMinor: r.processing, succeedMinor: r.succeed }]));
}
