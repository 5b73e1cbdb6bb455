import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { withTx } from '../db/tx.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { getOrder } from './queries.ts';
import { lockOrder, transitionOrder } from './record-transition.ts';
import { refundableStatuses } from './status.ts';
import type { OrderDto } from './dto.ts';

export const requestRefundInput = z.object({
  reason: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
});

/** The buyer asks for their money back on a processing or delivered order. */
export async function requestRefund(ctx: Ctx, userId: string, rawId: unknown, raw: unknown): Promise<OrderDto> {
  const id = parseInput(idSchema('order'), rawId);
  const { reason } = parseInput(requestRefundInput, raw);
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const order = await lockOrder(c, id);
    if (!order || order.userId !== userId) throw notFound('Order');
    if (!refundableStatuses.includes(order.status))
      throw new AppError('INVALID_STATE', `A refund can be requested only for a processing or delivered order (this one is "${order.status}")`);
    await transitionOrder(c, order, 'Processing refund', { note: reason ?? null, set: { refundReason: reason ?? null } });
  });
  return getOrder(ctx, id);
}
