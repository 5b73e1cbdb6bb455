import { and, eq, inArray } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { checkouts, payments, refunds } from '../db/schema/commerce.ts';
import { users } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { queueEmail } from '../mail/index.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { formatMinor } from '../shared/money.ts';
import { finalizeCheckout, OutOfStockError, type FinalizeResult } from './finalize-checkout.ts';
import { requirePayments } from './start-card-payment.ts';

/**
 * A card checkout whose payment succeeded ends in orders or in a full refund, never neither. Safe
 * to call from the client's create-order, the webhook and the reconciler at the same time.
 */
export async function completePaidCheckout(ctx: Ctx, checkoutId: string): Promise<FinalizeResult> {
  try {
    return await finalizeCheckout(ctx, checkoutId);
  } catch (err) {
    if (!(err instanceof OutOfStockError)) throw err;
    await failAndRefundCheckout(ctx, checkoutId, `${err.lines.map((l) => l.name).join(', ')} sold out before your payment completed`);
    throw new AppError('CONFLICT', `${err.message}. Your payment is being refunded in full.`, err.details);
  }
}

/**
 * Marks a paid checkout failed, records the payment and a whole-checkout refund and emails the
 * buyer (one transaction), then asks Stripe for the refund with a key derived from the checkout.
 */
export async function failAndRefundCheckout(ctx: Ctx, checkoutId: string, reason: string): Promise<void> {
  const refundId = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const [checkout] = await tx.select().from(checkouts).where(eq(checkouts.id, checkoutId)).for('update');
    if (!checkout || checkout.status === 'completed') return undefined;
    const now = ctx.clock.now();
    if (checkout.status === 'open') {
      await tx.update(checkouts).set({ status: 'failed', failureReason: reason, updatedAt: now }).where(eq(checkouts.id, checkoutId));
      await tx
        .insert(payments)
        .values({
          id: newId('payment'),
          checkoutId,
          provider: 'stripe',
          paymentIntentId: checkout.paymentIntentId,
          amountMinor: checkout.amountMinor,
          currency: checkout.currency,
          status: 'succeeded',
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing();
      const [buyer] = await tx.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, checkout.userId));
      if (buyer)
        await queueEmail(c, buyer.email, 'payment-refunded', {
          name: buyer.name,
          total: formatMinor(checkout.amountMinor),
          currency: checkout.currency,
          reason,
        });
    }
    const [inserted] = await tx
      .insert(refunds)
      .values({
        id: newId('refund'),
        checkoutId,
        orderId: null,
        provider: 'stripe',
        amountMinor: checkout.amountMinor,
        currency: checkout.currency,
        status: 'pending',
        reason,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: refunds.id });
    const [existing] = inserted
      ? [inserted]
      : await tx
          .select({ id: refunds.id })
          .from(refunds)
          .where(and(eq(refunds.checkoutId, checkoutId), inArray(refunds.status, ['pending', 'unknown'])));
    return existing?.id;
  });
  ctx.afterCommit?.();
  if (refundId) await sendRefund(ctx, refundId);
}

/**
 * Sends (or re-sends, with the same idempotency key) one recorded refund to Stripe and records the
 * outcome: succeeded, or "unknown" when Stripe did not answer — the reconciler retries those.
 */
export async function sendRefund(ctx: Ctx, refundId: string): Promise<'succeeded' | 'unknown' | 'failed'> {
  const provider = requirePayments(ctx);
  const [refund] = await ctx.db.select().from(refunds).where(eq(refunds.id, refundId));
  if (!refund) throw new AppError('NOT_FOUND', `Refund ${refundId} not found`);
  if (refund.status === 'succeeded') return 'succeeded';
  const [checkout] = await ctx.db.select({ pi: checkouts.paymentIntentId }).from(checkouts).where(eq(checkouts.id, refund.checkoutId));
  if (!checkout?.pi) throw new AppError('INVALID_STATE', `Refund ${refundId} has no card payment to refund`);
  const now = () => ctx.clock.now();
  try {
    const result = await provider.refund({
      paymentIntentId: checkout.pi,
      amountMinor: refund.amountMinor,
      metadata: { refundId, checkoutId: refund.checkoutId, ...(refund.orderId && { orderId: refund.orderId }) },
      idempotencyKey: `refund-${refund.orderId ?? refund.checkoutId}`,
    });
    await withTx(ctx, async (tx) => {
      await tx.update(refunds).set({ status: 'succeeded', providerRefundId: result.id, lastError: null, updatedAt: now() }).where(eq(refunds.id, refundId));
      if (!refund.orderId)
        await tx.update(payments).set({ status: 'refunded', updatedAt: now() }).where(eq(payments.checkoutId, refund.checkoutId));
    });
    return 'succeeded';
  } catch (err) {
    const unknown = isAppError(err) && err.details?.outcome === 'unknown';
    await ctx.db
      .update(refunds)
      .set({ status: unknown ? 'unknown' : 'failed', lastError: (err as Error).message, updatedAt: now() })
      .where(eq(refunds.id, refundId));
    ctx.log.warn({ refundId, err: (err as Error).message, unknown }, 'refund not confirmed');
    return unknown ? 'unknown' : 'failed';
  }
}
