import { and, eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { checkouts, stripeEvents } from '../db/schema/commerce.ts';
import type { ProviderEvent } from '../payments/index.ts';
import { isAppError } from '../shared/errors.ts';
import { completePaidCheckout } from './complete-paid-checkout.ts';
import { syncRefundFromStripe } from './confirm-refund.ts';
import { requirePayments } from './start-card-payment.ts';

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

/**
 * Verifies and handles one Stripe webhook. Events are stored by id first: a redelivered event that
 * was already processed is acknowledged and skipped. Handlers are idempotent, so an event whose
 * earlier processing crashed half-way is simply processed again.
 */
export async function handleStripeWebhook(ctx: Ctx, rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
  const event = await requirePayments(ctx).verifyWebhook(rawBody, signature);
  await ctx.db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, objectId: typeof event.object.id === 'string' ? event.object.id : null, receivedAt: ctx.clock.now() })
    .onConflictDoNothing();
  const [stored] = await ctx.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id));
  if (stored?.processedAt) return 'duplicate';
  const outcome = await dispatch(ctx, event);
  await ctx.db.update(stripeEvents).set({ processedAt: ctx.clock.now(), error: null }).where(eq(stripeEvents.id, event.id));
  return outcome;
}

async function dispatch(ctx: Ctx, event: ProviderEvent): Promise<WebhookOutcome> {
  const object = event.object as {
    id?: string;
    metadata?: Record<string, string>;
    last_payment_error?: { message?: string };
  };
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const checkout = await checkoutForIntent(ctx, object.id);
      if (!checkout) return 'ignored';
      // Anyone who has the endpoint's URL can try to post here; what Stripe says now is what counts.
      const intent = await requirePayments(ctx).retrieveIntent(object.id!);
      if (intent.status !== 'succeeded' || (intent.metadata.checkoutId !== undefined && intent.metadata.checkoutId !== checkout.id)) {
        ctx.log.warn({ intentId: intent.id, status: intent.status, checkoutId: checkout.id }, 'payment_intent.succeeded not confirmed by Stripe');
        return 'ignored';
      }
      try {
        await completePaidCheckout(ctx, checkout.id, { amountMinor: intent.amountMinor, currency: intent.currency });
      } catch (err) {
        // Out of stock ends in a refund, and a checkout that is already settled needs nothing more:
        // both are handled outcomes, so Stripe must not redeliver.
        if (!isAppError(err) || !['CONFLICT', 'INVALID_STATE', 'PAYMENT_FAILED'].includes(err.code)) throw err;
      }
      return 'processed';
    }
    case 'payment_intent.payment_failed': {
      const checkout = await checkoutForIntent(ctx, object.id);
      if (!checkout) return 'ignored';
      // The checkout stays open: the buyer may retry with another card on the same intent.
      await ctx.db
        .update(checkouts)
        .set({ failureReason: object.last_payment_error?.message ?? 'card payment failed', updatedAt: ctx.clock.now() })
        .where(and(eq(checkouts.id, checkout.id), eq(checkouts.status, 'open')));
      return 'processed';
    }
    case 'refund.created':
    case 'refund.updated':
    case 'charge.refund.updated': {
      if (object.id && object.metadata?.refundId) await syncRefundFromStripe(ctx, object.id);
      return 'processed';
    }
    case 'charge.refunded': {
      // Older API versions embed the refunds in the charge; newer ones send refund.* events too.
      const data = event.object as { refunds?: { data?: { id: string; metadata?: Record<string, string> }[] } };
      for (const r of data.refunds?.data ?? []) if (r.metadata?.refundId) await syncRefundFromStripe(ctx, r.id);
      return 'processed';
    }
    default:
      return 'ignored';
  }
}

async function checkoutForIntent(ctx: Ctx, intentId: string | undefined) {
  if (!intentId) return undefined;
  const [checkout] = await ctx.db
    .select({ id: checkouts.id, status: checkouts.status })
    .from(checkouts)
    .where(and(eq(checkouts.paymentIntentId, intentId), isNull(checkouts.completedAt)));
  return checkout;
}
