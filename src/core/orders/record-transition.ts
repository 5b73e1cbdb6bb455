import { eq } from 'drizzle-orm';
import { actorLabel, type Ctx } from '../context.ts';
import { orderEvents, orders, type OrderStatus } from '../db/schema/commerce.ts';
import { publishOnCommit } from '../live/index.ts';
import { assertTransition } from '../shared/state-machine.ts';
import { newId } from '../shared/ids.ts';
import { orderTransitions } from './status.ts';

type OrderRow = typeof orders.$inferSelect;

/**
 * Moves a locked order to `to` if the table allows it, with its history row. Extra column changes
 * (delivered time, payment status) ride along in the same update. The buyer's and the shop's live
 * streams hear of it once the transaction commits.
 */
export async function transitionOrder(
  ctx: Ctx,
  order: OrderRow,
  to: OrderStatus,
  opts: { note?: string | null; set?: Partial<OrderRow> } = {},
): Promise<OrderRow> {
  assertTransition(orderTransitions, `Order ${order.id}`, order.status, to);
  const now = ctx.clock.now();
  const [updated] = await ctx.db
    .update(orders)
    .set({ ...opts.set, status: to, updatedAt: now })
    .where(eq(orders.id, order.id))
    .returning();
  await ctx.db.insert(orderEvents).values({
    id: newId('orderEvent'),
    orderId: order.id,
    fromStatus: order.status,
    toStatus: to,
    actor: actorLabel(ctx.actor),
    note: opts.note ?? null,
    createdAt: now,
  });
  const data = { orderId: order.id, from: order.status, status: to, at: now.toISOString() };
  publishOnCommit(ctx, [
    { account: order.userId, type: 'order-status', data },
    { account: order.shopId, type: 'order-status', data },
  ]);
  return updated!;
}

/** The order row locked for a state change (the caller is in a transaction). */
export async function lockOrder(ctx: Ctx, orderId: string): Promise<OrderRow | undefined> {
  const [row] = await ctx.db.select().from(orders).where(eq(orders.id, orderId)).for('update');
  return row;
}
