import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { checkouts, orders, paymentTypes } from '../db/schema/commerce.ts';
import { insertJsonRows } from '../db/json-rows.ts';
import { withTxRetry } from '../db/tx.ts';
import { ordersCreatedFor, type OrderDto } from '../orders/index.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { takeCart } from '../cart/index.ts';
import { couponForCheckout, redeemCoupon } from '../coupons/index.ts';
import { completePaidCheckout } from './complete-paid-checkout.ts';
import { couponCodeField, pricingOf, shippingAddressSchema } from './price-checkout.ts';
import { requirePayments } from './start-card-payment.ts';
import { couponIdsOf, writeOrders } from './write-orders.ts';

export const placeOrderInput = z.object({
  shippingAddress: shippingAddressSchema,
  paymentInfo: z.object({
    type: z.enum(paymentTypes, { message: `must be one of: ${paymentTypes.join(', ')}` }),
    id: z.string().trim().max(255).optional(),
  }),
  couponCode: couponCodeField,
});

/**
 * Creates the buyer's orders from the server cart, one per shop. Cash on delivery: the cart is
 * taken, priced and turned into orders now, in one transaction (`placeCashOrder`). Card: only for
 * this buyer's checkout whose PaymentIntent Stripe reports succeeded for exactly the checkout's
 * amount and currency.
 */
export async function placeOrder(ctx: Ctx, userId: string, raw: unknown): Promise<OrderDto[]> {
  const input = parseInput(placeOrderInput, raw);
  if (input.paymentInfo.type === 'Cash On Delivery') return placeCashOrder(ctx, userId, input);
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
  let orderIds: string[];
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
  return ordersCreatedFor(ctx, userId, orderIds);
}

/**
 * A cash-on-delivery order in one transaction: take the cart (one statement deletes it, returning
 * what it held as the listings are now), price it, then write the completed checkout, its orders
 * and the stock they take in one more (`writeOrders`), and count coupon uses, the contended rows
 * last. Any refusal (a line unavailable, stock gone, the coupon used up) rolls back and leaves the
 * cart as it was.
 */
async function placeCashOrder(ctx: Ctx, userId: string, input: z.output<typeof placeOrderInput>): Promise<OrderDto[]> {
  const coupon = input.couponCode ? await couponForCheckout(ctx, input.couponCode) : undefined;
  const written = await withTxRetry(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const cart = await takeCart(c, userId);
    const { snapshot, fingerprint } = pricingOf(c, cart.lines, input, coupon);
    await ctx.probe?.('finalize:before-writes');
    const now = ctx.clock.now();
    const checkout = {
      id: newId('checkout'),
      userId,
      paymentType: 'Cash On Delivery' as const,
      paymentIntentId: null,
      amountMinor: snapshot.totalMinor,
      currency: ctx.config.currency,
      shippingAddress: input.shippingAddress,
      snapshot,
    };
    const { orders: created } = await writeOrders(c, {
      checkout,
      completeCheckout: insertJsonRows(checkouts, [
        { ...checkout, status: 'completed', couponCode: input.couponCode ?? null, fingerprint, completedAt: now, createdAt: now, updatedAt: now },
      ]),
      buyer: cart.buyer,
      shops: cart.shops,
    });
    for (const couponId of couponIdsOf(snapshot)) await redeemCoupon(c, couponId);
    return created;
  });
  ctx.afterCommit?.();
  return written;
}
