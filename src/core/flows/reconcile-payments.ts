import { and, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { checkouts, refunds } from '../db/schema/commerce.ts';
import { isAppError } from '../shared/errors.ts';
import { completePaidCheckout, sendRefund } from './complete-paid-checkout.ts';
import { completeOrderRefund } from './refund-order.ts';
import { requirePayments } from './start-card-payment.ts';

export interface ReconcileReport {
  finalized: number;
  expired: number;
  refundsConfirmed: number;
  stillUnknown: number;
}

/**
 * Catches what webhooks missed: open card checkouts whose intent succeeded are finalized (or
 * refunded, through the same step as every other path); checkouts abandoned longer than
 * `abandonAfterMinutes` are expired and their intents cancelled; refunds left pending or unknown
 * are sent again with their original idempotency keys.
 */
export async function reconcilePayments(ctx: Ctx, opts: { abandonAfterMinutes?: number; limit?: number } = {}): Promise<ReconcileReport> {
  const provider = requirePayments(ctx);
  const report: ReconcileReport = { finalized: 0, expired: 0, refundsConfirmed: 0, stillUnknown: 0 };
  const limit = opts.limit ?? 200;
  const abandonBefore = new Date(ctx.clock.now().getTime() - (opts.abandonAfterMinutes ?? 24 * 60) * 60_000);

  const open = await ctx.db
    .select({ id: checkouts.id, pi: checkouts.paymentIntentId, createdAt: checkouts.createdAt })
    .from(checkouts)
    .where(and(eq(checkouts.status, 'open'), eq(checkouts.paymentType, 'Credit Card'), isNotNull(checkouts.paymentIntentId)))
    .orderBy(checkouts.createdAt)
    .limit(limit);
  for (const c of open) {
    try {
      const intent = await provider.retrieveIntent(c.pi!);
      if (intent.status === 'succeeded') {
        await completePaidCheckout(ctx, c.id).catch((err: unknown) => {
          if (!isAppError(err) || err.code !== 'CONFLICT') throw err;
        });
        report.finalized++;
      } else if (intent.status === 'canceled' || c.createdAt < abandonBefore) {
        if (intent.status !== 'canceled') await provider.cancelIntent(intent.id, `pi-cancel-${c.id}`);
        await ctx.db
          .update(checkouts)
          .set({ status: 'expired', failureReason: 'abandoned', updatedAt: ctx.clock.now() })
          .where(and(eq(checkouts.id, c.id), eq(checkouts.status, 'open')));
        report.expired++;
      }
    } catch (err) {
      ctx.log.warn({ checkoutId: c.id, err: (err as Error).message }, 'reconcile: checkout left for next run');
    }
  }

  const waiting = await ctx.db
    .select({ id: refunds.id, orderId: refunds.orderId })
    .from(refunds)
    .where(and(inArray(refunds.status, ['pending', 'unknown']), lt(refunds.updatedAt, ctx.clock.now())))
    .limit(limit);
  for (const r of waiting) {
    const outcome = await sendRefund(ctx, r.id);
    if (outcome === 'succeeded') {
      if (r.orderId) await completeOrderRefund(ctx, r.orderId);
      report.refundsConfirmed++;
    } else report.stillUnknown++;
  }
  return report;
}
