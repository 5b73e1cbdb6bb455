import { and, eq, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { checkouts, orders, payments, refunds } from '../db/schema/commerce.ts';
import type { RefundInfo } from '../payments/index.ts';
import { users } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { queueEmail } from '../mail/index.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { formatMinor } from '../shared/money.ts';
import { finalizeCheckout, type FinalizeResult } from './finalize-checkout.ts';
import { OutOfStockError } from './write-orders.ts';
import { requirePayments } from './start-card-payment.ts';

/** What Stripe says it received for the checkout's PaymentIntent. */
export interface ReceivedPayment {
  amountMinor: number;
  currency: string;
}

/**
 * A card checkout whose payment succeeded ends in orders or in a full refund, never neither. Safe
 * to call from the client's create-order, the webhook and the reconciler at the same time. A
 * payment that does not match the checkout's amount, or a checkout that can no longer be fulfilled
 * (stock gone, coupon used up), is refunded in full: what Stripe received goes back.
 */
export async function completePaidCheckout(ctx: Ctx, checkoutId: string, received: ReceivedPayment): Promise<FinalizeResult> {
  const [checkout] = await ctx.db
    .select({ amountMinor: checkouts.amountMinor, currency: checkouts.currency, status: checkouts.status })
    .from(checkouts)
    .where(eq(checkouts.id, checkoutId));
  if (checkout?.status === 'open' && (received.amountMinor !== checkout.amountMinor || received.currency !== checkout.currency)) {
    await failAndRefundCheckout(ctx, checkoutId, 'the payment did not match the order total', received);
    throw new AppError('PAYMENT_FAILED', 'The payment does not match this checkout’s total; it is being refunded in full');
  }
  try {
    return await finalizeCheckout(ctx, checkoutId);
  } catch (err) {
    // CONFLICT from finalize means this checkout cannot become orders any more (stock or coupon gone).
    if (!isAppError(err) || err.code !== 'CONFLICT') throw err;
    const reason =
      err instanceof OutOfStockError
        ? `${err.lines.map((l) => l.name).join(', ')} sold out before your payment completed`
        : err.message.replace(/\.$/, '').toLowerCase();
    await failAndRefundCheckout(ctx, checkoutId, reason, received);
    throw new AppError('CONFLICT', `${err.message}. Your payment is being refunded in full.`, err.details);
  }
}

/**
 * Marks a paid checkout failed, records the payment and a whole-checkout refund and emails the
 * buyer (one transaction), then asks Stripe for the refund with a key derived from the checkout.
 */
export async function failAndRefundCheckout(ctx: Ctx, checkoutId: string, reason: string, received?: ReceivedPayment): Promise<void> {
  const refundId = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const [checkout] = await tx.select().from(checkouts).where(eq(checkouts.id, checkoutId)).for('update');
    if (!checkout || checkout.status === 'completed') return undefined;
    const now = ctx.clock.now();
    const amountMinor = received?.amountMinor ?? checkout.amountMinor;
    if (checkout.status === 'open') {
      await tx.update(checkouts).set({ status: 'failed', failureReason: reason, updatedAt: now }).where(eq(checkouts.id, checkoutId));
      await tx
        .insert(payments)
        .values({
          id: newId('payment'),
          checkoutId,
          provider: 'stripe',
          paymentIntentId: checkout.paymentIntentId,
          amountMinor,
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
          total: formatMinor(amountMinor),
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
        amountMinor,
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
 * A refund that failed at Stripe, sent again as a new attempt: a new refund there, under a new
 * idempotency key (`sendRefund` sends it). Only a failed refund moves; returns it if it did.
 */
export async function newRefundAttempt(ctx: Ctx, which: SQL): Promise<{ id: string; attempt: number } | undefined> {
  const [retried] = await ctx.db
    .update(refunds)
    .set({ status: 'pending', attempt: sql`${refunds.attempt} + 1`, providerRefundId: null, lastError: null, updatedAt: ctx.clock.now() })
    .where(and(which, eq(refunds.status, 'failed')))
    .returning({ id: refunds.id, attempt: refunds.attempt });
  return retried;
}

/** How long after a refund's first attempt its idempotency key is surely still known to Stripe (24 h, less a margin). */
const IDEMPOTENCY_KEY_SAFE_MS = 23 * 3600_000;

/** Where a refund stands for us: Stripe's pending and requires_action wait; failed and canceled paid nothing back. */
export type RefundOutcome = 'succeeded' | 'pending' | 'failed' | 'unknown';

const outcomeOf = (stripeStatus: string): Exclude<RefundOutcome, 'unknown'> =>
  stripeStatus === 'succeeded' ? 'succeeded' : stripeStatus === 'failed' || stripeStatus === 'canceled' ? 'failed' : 'pending';

/**
 * Sends (or re-sends, with the same idempotency key) one recorded refund to Stripe and records what
 * Stripe answered: succeeded, pending (waiting at the bank; asked again on the next call), failed,
 * or "unknown" when Stripe did not answer — the reconciler retries those. A failed refund is only
 * sent again through `refundOrder`, which makes it a new attempt.
 */
export async function sendRefund(ctx: Ctx, refundId: string): Promise<RefundOutcome> {
  const provider = requirePayments(ctx);
  const [refund] = await ctx.db.select().from(refunds).where(eq(refunds.id, refundId));
  if (!refund) throw new AppError('NOT_FOUND', `Refund ${refundId} not found`);
  if (refund.status === 'succeeded' || refund.status === 'failed') return refund.status;
  if (refund.status === 'pending' && refund.providerRefundId) {
    // Stripe has it and the bank has not answered: replaying the create would only return the first answer.
    const current = await provider.retrieveRefund(refund.providerRefundId).catch((err: unknown) => {
      ctx.log.warn({ refundId, err }, 'pending refund not read');
      return undefined;
    });
    return current ? applyRefundStatus(ctx, refundId, refund.attempt, current) : 'pending';
  }
  const [checkout] = await ctx.db.select({ pi: checkouts.paymentIntentId }).from(checkouts).where(eq(checkouts.id, refund.checkoutId));
  if (!checkout?.pi) throw new AppError('INVALID_STATE', `Refund ${refundId} has no card payment to refund`);
  const now = () => ctx.clock.now();
  try {
    // Stripe forgets an idempotency key after 24 hours; past that, the same key would refund again.
    // So a refund first tried that long ago is looked up (by our id in its metadata) before it is sent.
    if (now().getTime() - refund.createdAt.getTime() >= IDEMPOTENCY_KEY_SAFE_MS) {
      const earlier = await provider.findRefund(checkout.pi, refundId, refund.attempt);
      if (earlier) return await applyRefundStatus(ctx, refundId, refund.attempt, earlier);
    }
    const base = `refund-${refund.orderId ?? refund.checkoutId}`;
    const result = await provider.refund({
      paymentIntentId: checkout.pi,
      amountMinor: refund.amountMinor,
      metadata: {
        refundId,
        attempt: String(refund.attempt),
        checkoutId: refund.checkoutId,
        ...(refund.orderId && { orderId: refund.orderId }),
      },
      idempotencyKey: refund.attempt ? `${base}-${refund.attempt}` : base,
    });
    return await applyRefundStatus(ctx, refundId, refund.attempt, result);
  } catch (err) {
    // Only Stripe's explicit refusal is final; anything else (timeouts, 5xx, a rotated key, our own
    // write failing after Stripe acted) may have happened and stays "unknown" for the reconciler.
    if (isAppError(err) && err.code === 'PAYMENT_FAILED') return markRefundFailed(ctx, refundId, refund.attempt, null, err.message);
    await ctx.db
      .update(refunds)
      .set({ status: 'unknown', lastError: (err as Error).message, updatedAt: now() })
      .where(and(eq(refunds.id, refundId), inArray(refunds.status, ['pending', 'unknown'])));
    ctx.log.warn({ refundId, err }, 'refund not confirmed');
    return 'unknown';
  }
}

/**
 * Records what Stripe says of attempt `attempt` of refund `refundId` (from our own call, a webhook
 * or the reconciler, in any order): every move is a guarded update, so a late or repeated answer
 * never undoes a later one, and one about an earlier attempt changes nothing. Returns where the
 * refund stands afterwards; finishing an order's refund is the caller's.
 */
export async function applyRefundStatus(ctx: Ctx, refundId: string, attempt: number, stripe: RefundInfo): Promise<RefundOutcome> {
  const outcome = outcomeOf(stripe.status);
  if (outcome === 'succeeded') await markRefundSucceeded(ctx, refundId, stripe.id, attempt);
  else if (outcome === 'failed')
    await markRefundFailed(ctx, refundId, attempt, stripe.id, `Stripe refund ${stripe.id} is ${stripe.status}${stripe.failureReason ? ` (${stripe.failureReason})` : ''}`);
  else await markRefundWaiting(ctx, refundId, attempt, stripe.id);
  const [row] = await ctx.db.select({ status: refunds.status }).from(refunds).where(eq(refunds.id, refundId));
  return row?.status ?? 'unknown';
}

const openAttempt = (refundId: string, attempt: number) =>
  and(eq(refunds.id, refundId), eq(refunds.attempt, attempt), inArray(refunds.status, ['pending', 'unknown']));

/** Stripe took the refund and waits for the bank: nothing is booked yet; an order's buyer is told, once, that it is on its way. */
async function markRefundWaiting(ctx: Ctx, refundId: string, attempt: number, providerRefundId: string): Promise<void> {
  await withTx(ctx, async (tx) => {
    const [row] = await tx
      .update(refunds)
      .set({ status: 'pending', providerRefundId, lastError: null, updatedAt: ctx.clock.now() })
      .where(and(openAttempt(refundId, attempt), or(isNull(refunds.providerRefundId), ne(refunds.providerRefundId, providerRefundId))))
      .returning({ orderId: refunds.orderId, amountMinor: refunds.amountMinor, currency: refunds.currency });
    if (!row?.orderId) return;
    const [buyer] = await tx
      .select({ name: users.name, email: users.email })
      .from(orders)
      .innerJoin(users, eq(users.id, orders.userId))
      .where(eq(orders.id, row.orderId));
    if (buyer)
      await queueEmail({ ...ctx, db: tx }, buyer.email, 'refund-pending', {
        name: buyer.name,
        orderId: row.orderId,
        total: formatMinor(row.amountMinor),
        currency: row.currency,
      });
  });
  ctx.afterCommit?.();
}

/**
 * No money went back (Stripe refused, or the bank failed or canceled the refund): the refund is
 * "failed", nothing is booked, the order stays in "Processing refund" for a retry, and the operator is emailed.
 */
async function markRefundFailed(ctx: Ctx, refundId: string, attempt: number, providerRefundId: string | null, error: string): Promise<RefundOutcome> {
  const row = await withTx(ctx, async (tx) => {
    const [failed] = await tx
      .update(refunds)
      .set({ status: 'failed', lastError: error, updatedAt: ctx.clock.now(), ...(providerRefundId && { providerRefundId }) })
      .where(openAttempt(refundId, attempt))
      .returning();
    const ops = ctx.config.money.opsEmail;
    if (failed && ops)
      await queueEmail({ ...ctx, db: tx }, ops, 'refund-failed', {
        refundId,
        ref: failed.orderId ? `order ${failed.orderId}` : `checkout ${failed.checkoutId}`,
        amount: formatMinor(failed.amountMinor),
        currency: failed.currency,
        error,
      });
    return failed;
  });
  ctx.afterCommit?.();
  if (row) ctx.log.warn({ refundId, error }, 'refund failed');
  const [current] = await ctx.db.select({ status: refunds.status }).from(refunds).where(eq(refunds.id, refundId));
  return current?.status ?? 'unknown';
}

/**
 * Records Stripe's confirmation of a refund. The guarded update keeps a late "unknown" from
 * overwriting it; a whole-checkout refund also marks the payment refunded. Returns the order to
 * finish when it is an order's refund.
 */
export async function markRefundSucceeded(ctx: Ctx, refundId: string, providerRefundId: string, attempt: number): Promise<{ orderId: string | null }> {
  return withTx(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(refunds)
      .set({ status: 'succeeded', providerRefundId, lastError: null, updatedAt: now })
      .where(and(eq(refunds.id, refundId), eq(refunds.attempt, attempt), inArray(refunds.status, ['pending', 'unknown', 'failed'])))
      .returning({ orderId: refunds.orderId, checkoutId: refunds.checkoutId });
    if (row && !row.orderId)
      await tx.update(payments).set({ status: 'refunded', updatedAt: now }).where(eq(payments.checkoutId, row.checkoutId));
    const [current] = await tx.select({ orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, refundId));
    return { orderId: current?.orderId ?? null };
  });
}
