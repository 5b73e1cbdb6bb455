import { and, eq, inArray, isNotNull, lt, ne } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { checkouts, orders, refunds } from '../db/schema/commerce.ts';
import { isAppError } from '../shared/errors.ts';
import { completePaidCheckout, sendRefund } from './complete-paid-checkout.ts';
import { completeOrderRefund } from './refund-order.ts';
import { requirePayments } from './start-card-payment.ts';

export interface ReconcileReport {
  finalized: number;
  refundedInstead: number;
  expired: number;
  refundsConfirmed: number;
  /** Refunds Stripe holds as pending, waiting for the bank. */
  stillPending: number;
  refundsFailed: number;
  stillUnknown: number;
}

/** Refunds touched this recently may still be in flight in another process; leave them be. */
const REFUND_GRACE_MS = 2 * 60_000;

/**
 * Catches what webhooks missed: open card checkouts whose intent succeeded are finalized (or
 * refunded, through the same step as every other path); checkouts left untouched longer than
 * `abandonAfterMinutes` are expired and their intents cancelled; refunds left pending or unknown
 * are sent again with their original idempotency keys (or, once Stripe holds them as pending, read
 * back to see whether the bank paid or failed them), and confirmed order refunds are finished.
 */
export async function reconcilePayments(ctx: Ctx, opts: { abandonAfterMinutes?: number; limit?: number } = {}): Promise<ReconcileReport> {
  const provider = requirePayments(ctx);
  const report: ReconcileReport = { finalized: 0, refundedInstead: 0, expired: 0, refundsConfirmed: 0, stillPending: 0, refundsFailed: 0, stillUnknown: 0 };
  const limit = opts.limit ?? 200;
  const now = ctx.clock.now().getTime();
  const abandonBefore = new Date(now - (opts.abandonAfterMinutes ?? 24 * 60) * 60_000);

  const open = await ctx.db
    .select({ id: checkouts.id, pi: checkouts.paymentIntentId, updatedAt: checkouts.updatedAt })
    .from(checkouts)
    .where(and(eq(checkouts.status, 'open'), eq(checkouts.paymentType, 'Credit Card'), isNotNull(checkouts.paymentIntentId)))
    .orderBy(checkouts.updatedAt)
    .limit(limit);
  for (const c of open) {
    try {
      const intent = await provider.retrieveIntent(c.pi!);
      if (intent.status === 'succeeded') {
        const outcome = await completePaidCheckout(ctx, c.id, intent).then(
          () => 'finalized' as const,
          (err: unknown) => {
            if (isAppError(err) && (err.code === 'CONFLICT' || err.code === 'PAYMENT_FAILED')) return 'refundedInstead' as const;
            throw err;
          },
        );
        report[outcome]++;
      } else if (intent.status === 'canceled' || c.updatedAt < abandonBefore) {
        if (intent.status !== 'canceled') await provider.cancelIntent(intent.id, `pi-cancel-${c.id}`);
        await ctx.db
          .update(checkouts)
          .set({ status: 'expired', failureReason: 'abandoned', updatedAt: ctx.clock.now() })
          .where(and(eq(checkouts.id, c.id), eq(checkouts.status, 'open')));
        report.expired++;
      }
    } catch (err) {
      ctx.log.warn({ checkoutId: c.id, err }, 'reconcile: checkout left for next run');
    }
  }

  const waiting = await ctx.db
    .select({ id: refunds.id, orderId: refunds.orderId })
    .from(refunds)
    .where(and(inArray(refunds.status, ['pending', 'unknown']), lt(refunds.updatedAt, new Date(now - REFUND_GRACE_MS))))
    .limit(limit);
  for (const r of waiting) {
    const outcome = await sendRefund(ctx, r.id);
    if (outcome === 'succeeded') {
      if (r.orderId) await completeOrderRefund(ctx, r.orderId);
      report.refundsConfirmed++;
    } else if (outcome === 'pending') report.stillPending++;
    else if (outcome === 'failed') report.refundsFailed++;
    else report.stillUnknown++;
  }

  // Refunds Stripe confirmed (webhook or an earlier run) whose order was not finished yet.
  const unfinished = await ctx.db
    .select({ orderId: orders.id })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.status, 'succeeded'), ne(orders.status, 'Refund Success')))
    .limit(limit);
  for (const u of unfinished) {
    await completeOrderRefund(ctx, u.orderId);
    report.refundsConfirmed++;
  }
  return report;
}
