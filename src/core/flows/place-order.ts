import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { checkouts, orders, paymentTypes } from '../db/schema/commerce.ts';
import { withTx } from '../db/tx.ts';
import { ordersCreatedFor, type OrderDto } from '../orders/index.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { completePaidCheckout } from './complete-paid-checkout.ts';
import { finalizeCheckout } from './finalize-checkout.ts';
import { couponCodeField, priceCheckout, shippingAddressSchema } from './price-checkout.ts';
import { requirePayments } from './start-card-payment.ts';

export const placeOrderInput = z.object({
  shippingAddress: shippingAddressSchema,
  paymentInfo: z.object({
    type: z.enum(paymentTypes, { message: `must be one of: ${paymentTypes.join(', ')}` }),
    id: z.string().trim().max(255).optional(),
  }),
  couponCode: couponCodeField,
});

/**
 * Creates the buyer's orders from the server cart, one per shop. Cash on delivery: priced and
 * finalized now, in one transaction. Card: only for this buyer's checkout whose PaymentIntent
 * Stripe reports succeeded for exactly the checkout's amount and currency.
 */
export async function placeOrder(ctx: Ctx, userId: string, raw: unknown): Promise<OrderDto[]> {
  const input = parseInput(placeOrderInput, raw);
  let orderIds: string[];
  if (input.paymentInfo.type === 'Cash On Delivery') {
    const { snapshot, fingerprint } = await priceCheckout(ctx, userId, input);
    const result = await withTx(ctx, async (tx) => {
      const checkoutId = newId('checkout');
      const now = ctx.clock.now();
      await tx.insert(checkouts).values({
        id: checkoutId,
        userId,
        status: 'open',
        paymentType: 'Cash On Delivery',
        amountMinor: snapshot.totalMinor,
        currency: ctx.config.currency,
        couponCode: input.couponCode ?? null,
        shippingAddress: input.shippingAddress,
        snapshot,
        fingerprint,
        createdAt: now,
        updatedAt: now,
      });
      return finalizeCheckout({ ...ctx, db: tx }, checkoutId);
    });
    ctx.afterCommit?.();
    if (result.orders) return result.orders.sort((a, b) => (a._id < b._id ? -1 : 1));
    orderIds = result.orderIds;
  } else {
    const provider = requirePayments(ctx);
    const intentId = input.paymentInfo.id;
    if (!intentId)
      throw new AppError('VALIDATION_FAILED', 'paymentInfo.id (the PaymentIntent id) is required for card orders', {
        fields: { 'paymentInfo.id': 'is required' },
      });
    const [checkout] = await ctx.db
      .select()
      .from(checkouts)
      .where(and(eq(checkouts.paymentIntentId, intentId), eq(checkouts.userId, userId)));
    if (!checkout) throw new AppError('NOT_FOUND', 'No checkout of yours has this payment; start with payment-process');
    if (checkout.status === 'completed') {
      const existing = await ctx.db.select({ id: orders.id }).from(orders).where(eq(orders.checkoutId, checkout.id)).orderBy(orders.id);
      orderIds = existing.map((o) => o.id);
    } else {
      const intent = await provider.retrieveIntent(intentId);
      if (intent.status !== 'succeeded')
        throw new AppError('PAYMENT_FAILED', `The payment has not succeeded (Stripe says "${intent.status}")`);
      if (intent.metadata.checkoutId !== checkout.id)
        throw new AppError('PAYMENT_FAILED', 'The payment does not belong to this checkout');
      orderIds = (await completePaidCheckout(ctx, checkout.id, intent)).orderIds;
    }
  }
  return ordersCreatedFor(ctx, userId, orderIds);
}
