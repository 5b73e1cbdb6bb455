import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { orderStatuses } from '../db/schema/commerce.ts';
import { withTx } from '../db/tx.ts';
import { platformAccount, postJournal, shopAccount } from '../ledger/index.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { getOrder } from './queries.ts';
import { lockOrder, transitionOrder } from './record-transition.ts';
import { queueSettlement } from './settlement.ts';
import { fulfilmentPath } from './status.ts';
import type { OrderDto } from './dto.ts';

export const updateOrderStatusInput = z.object({
  status: z.enum(orderStatuses, { message: `must be one of: ${orderStatuses.join(', ')}` }),
});

/**
 * The owning seller moves an order one step along the fulfilment path. Delivery of a cash order
 * marks it paid and books the platform's commission against the seller's balance; delivery of a
 * card order starts its wait for settlement.
 */
export async function updateOrderStatus(ctx: Ctx, shopId: string, rawId: unknown, raw: unknown): Promise<OrderDto> {
  const id = parseInput(idSchema('order'), rawId);
  const { status } = parseInput(updateOrderStatusInput, raw);
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const order = await lockOrder(c, id);
    if (!order) throw notFound('Order');
    if (order.shopId !== shopId) throw forbidden('This order belongs to another shop');
    const next = fulfilmentPath[fulfilmentPath.indexOf(order.status) + 1];
    if (!fulfilmentPath.includes(status) || status !== next)
      throw new AppError(
        'INVALID_STATE',
        next
          ? `Order ${order.id} is "${order.status}": the next step is "${next}", not "${status}"`
          : `Order ${order.id} is "${order.status}" and cannot be moved to "${status}" by the seller`,
      );
    const now = ctx.clock.now();
    const delivered = status === 'Delivered';
    const cashCollected = delivered && order.paymentType === 'Cash On Delivery';
    await transitionOrder(c, order, status, {
      set: {
        ...(delivered && { deliveredAt: now }),
        ...(cashCollected && { paymentStatus: 'succeeded' as const, paidAt: now }),
      },
    });
    if (delivered && order.paymentType === 'Credit Card') await queueSettlement(c, order, now);
    if (cashCollected)
      // The seller holds the cash; the commission is owed to the platform out of their balance.
      await postJournal(c, {
        kind: 'cod-fee',
        ref: order.id,
        entries: [
          { account: shopAccount.available(order.shopId), amountMinor: -order.platformFeeMinor },
          { account: platformAccount.fees, amountMinor: order.platformFeeMinor },
        ],
      });
  });
  return getOrder(ctx, id);
}
