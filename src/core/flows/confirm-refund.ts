import { eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { refunds } from '../db/schema/commerce.ts';
import { applyRefundStatus, type RefundOutcome } from './complete-paid-checkout.ts';
import { completeOrderRefund } from './refund-order.ts';
import { requirePayments } from './start-card-payment.ts';

/**
 * A webhook named Stripe refund `providerRefundId`: the refund is read back from Stripe (events
 * arrive late, twice and out of order; the refund's present state does not) and recorded; a
 * succeeded order refund also finishes the order (status, restock, ledger reversal, email).
 * Refunds that are not ours, or belong to an earlier attempt, change nothing. Idempotent.
 */
export async function syncRefundFromStripe(ctx: Ctx, providerRefundId: string): Promise<RefundOutcome | 'ignored'> {
  const stripe = await requirePayments(ctx).retrieveRefund(providerRefundId);
  const refundId = stripe.metadata.refundId;
  if (!refundId) return 'ignored';
  const [row] = await ctx.db.select({ attempt: refunds.attempt, orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, refundId));
  const attempt = Number(stripe.metadata.attempt ?? 0);
  if (!row || row.attempt !== attempt) return 'ignored';
  const outcome = await applyRefundStatus(ctx, refundId, attempt, stripe);
  if (outcome === 'succeeded' && row.orderId) await completeOrderRefund(ctx, row.orderId);
  return outcome;
}
