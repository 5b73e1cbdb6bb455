import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { checkouts } from '../db/schema/commerce.ts';
import type { PaymentProvider } from '../payments/index.ts';
import { AppError } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { couponCodeField, priceCheckout, shippingAddressSchema } from './price-checkout.ts';

export const startCardPaymentInput = z.object({ shippingAddress: shippingAddressSchema, couponCode: couponCodeField });

/** What the storefront confirms the card payment with: Stripe's client secret for the priced total. */
export const cardPaymentDto = z.object({
  checkoutId: idSchema('checkout'),
  client_secret: z.string().nullable(),
  amount: z.number(),
  currency: z.string(),
});
export type CardPaymentDto = z.infer<typeof cardPaymentDto>;

export function requirePayments(ctx: Ctx): PaymentProvider {
  if (!ctx.ports.payments)
    throw new AppError('SERVICE_UNAVAILABLE', 'Card payments are not available (STRIPE_SECRET_KEY is not set); use Cash On Delivery');
  return ctx.ports.payments;
}

/**
 * Prices the cart on the server and opens (or reuses) a checkout with a Stripe PaymentIntent for
 * exactly that amount. The same cart reuses the same intent; a changed cart updates its amount.
 * Any amount the client sends is ignored.
 */
export async function startCardPayment(ctx: Ctx, userId: string, raw: unknown): Promise<CardPaymentDto> {
  const provider = requirePayments(ctx);
  const input = parseInput(startCardPaymentInput, raw);
  const { snapshot, fingerprint } = await priceCheckout(ctx, userId, input);
  const currency = ctx.config.currency;
  const answer = (checkoutId: string, clientSecret: string | null): CardPaymentDto => ({
    checkoutId,
    client_secret: clientSecret,
    amount: minorToMajor(snapshot.totalMinor),
    currency,
  });

  const [open] = await ctx.db
    .select()
    .from(checkouts)
    .where(and(eq(checkouts.userId, userId), eq(checkouts.status, 'open'), eq(checkouts.paymentType, 'Credit Card')))
    .orderBy(desc(checkouts.createdAt))
    .limit(1);
  if (open?.paymentIntentId) {
    if (open.fingerprint === fingerprint) return answer(open.id, open.clientSecret);
    const intent = await provider.retrieveIntent(open.paymentIntentId);
    // A paid intent is finalized by the webhook or the reconciler; a new cart gets its own checkout.
    if (intent.status !== 'succeeded' && intent.status !== 'processing' && intent.status !== 'canceled') {
      // Keyed by the row version being replaced, so going back to an earlier cart is a new update
      // (a key reused with the same parameters would replay an old answer and change nothing).
      const updated = await provider.updateIntentAmount(
        open.paymentIntentId,
        snapshot.totalMinor,
        `pi-update-${open.id}-${open.updatedAt.getTime()}-${fingerprint.slice(0, 16)}`,
      );
      if (updated.amountMinor !== snapshot.totalMinor)
        throw new AppError('EXTERNAL_SERVICE', 'Stripe did not take the new amount; please try again', { outcome: 'unknown' });
      const [saved] = await ctx.db
        .update(checkouts)
        .set({
          amountMinor: snapshot.totalMinor,
          snapshot,
          fingerprint,
          couponCode: input.couponCode ?? null,
          shippingAddress: input.shippingAddress,
          clientSecret: updated.clientSecret,
          updatedAt: ctx.clock.now(),
        })
        .where(and(eq(checkouts.id, open.id), eq(checkouts.status, 'open'), eq(checkouts.updatedAt, open.updatedAt)))
        .returning({ id: checkouts.id });
      // Another payment-process for this buyer changed the checkout meanwhile: its amount may now differ.
      if (!saved) throw new AppError('CONFLICT', 'Your checkout changed at the same time; please try again');
      return answer(open.id, updated.clientSecret);
    }
  }

  // The provider call comes first (outside any transaction); if recording it fails, the intent is cancelled.
  const checkoutId = newId('checkout');
  const intent = await provider.createIntent({
    amountMinor: snapshot.totalMinor,
    currency,
    metadata: { checkoutId, userId },
    idempotencyKey: `pi-create-${checkoutId}`,
  });
  try {
    const now = ctx.clock.now();
    await ctx.db.insert(checkouts).values({
      id: checkoutId,
      userId,
      status: 'open',
      paymentType: 'Credit Card',
      amountMinor: snapshot.totalMinor,
      currency,
      couponCode: input.couponCode ?? null,
      shippingAddress: input.shippingAddress,
      snapshot,
      fingerprint,
      paymentIntentId: intent.id,
      clientSecret: intent.clientSecret,
      createdAt: now,
      updatedAt: now,
    });
  } catch (err) {
    await provider.cancelIntent(intent.id, `pi-cancel-${checkoutId}`).catch((e: unknown) => ctx.log.error({ err: e, checkoutId }, 'could not cancel orphaned intent'));
    throw err;
  }
  return answer(checkoutId, intent.clientSecret);
}
