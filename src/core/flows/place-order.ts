import { and, eq, is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { checkouts, orders, paymentTypes } from '../db/schema/commerce.ts';
import { jsonRows } from '../db/json-rows.ts';
import { pgErrorCode, tooManyAtOnce } from '../db/tx.ts';
import { ordersCreatedFor, type OrderDto } from '../orders/index.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { loadCartForOrder } from '../cart/index.ts';
import { couponForCheckout } from '../coupons/index.ts';
import { completePaidCheckout } from './complete-paid-checkout.ts';
import { couponCodeField, pricingOf, shippingAddressSchema } from './price-checkout.ts';
import { requirePayments } from './start-card-payment.ts';
import { CartChangedError, writeOrders } from './write-orders.ts';

// As withTxRetry: a cart changing, or a deadlock, three times in a row is a conflict the client retries.
const ATTEMPTS = 3;

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
 * A cash-on-delivery order: read the cart (the listings as they are now) and price it, then write
 * the completed checkout, its orders, the stock and coupon uses they take and the cart lines they
 * empty in one statement (`writeOrders`), which is its own transaction. Any refusal (a line
 * unavailable, stock gone, the coupon used up) writes nothing and leaves the cart as it was. When
 * the cart changed between the read and the write (another create-order took it, a quantity
 * changed), or PostgreSQL broke a deadlock, it starts over from the read; inside a caller's
 * transaction it cannot, and the error goes up.
 */
async function placeCashOrder(ctx: Ctx, userId: string, input: z.output<typeof placeOrderInput>): Promise<OrderDto[]> {
  const coupon = input.couponCode ? await couponForCheckout(ctx, input.couponCode) : undefined;
  for (let attempt = 1; ; attempt++) {
    const cart = await loadCartForOrder(ctx, userId);
    const { snapshot, fingerprint } = pricingOf(ctx, cart.lines, input, coupon);
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
    try {
      const { orders: created } = await writeOrders(ctx, {
        checkout,
        completeCheckout: {
          insert: jsonRows(checkouts, [
            { ...checkout, status: 'completed', couponCode: input.couponCode ?? null, fingerprint, completedAt: now, createdAt: now, updatedAt: now },
          ]),
        },
        buyer: cart.buyer,
        shops: cart.shops,
        cart: { userId, lines: cart.lines },
      });
      ctx.afterCommit?.();
      return created;
    } catch (err) {
      const again = err instanceof CartChangedError || pgErrorCode(err) === '40P01';
      if (!again || is(ctx.db, PgTransaction)) throw err;
      if (attempt >= ATTEMPTS) throw err instanceof CartChangedError ? err : tooManyAtOnce();
    }
  }
}
