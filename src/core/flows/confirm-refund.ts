import type { Ctx } from '../context.ts';
import { markRefundSucceeded } from './complete-paid-checkout.ts';
import { completeOrderRefund } from './refund-order.ts';

/**
 * Stripe confirmed refund `refundId` (seen by a webhook or the reconciler): record it and, for an
 * order's refund, finish the order (status, restock, ledger reversal, email). Idempotent.
 */
export async function confirmRefund(ctx: Ctx, refundId: string, providerRefundId: string): Promise<void> {
  const { orderId } = await markRefundSucceeded(ctx, refundId, providerRefundId);
  if (orderId) await completeOrderRefund(ctx, orderId);
}
