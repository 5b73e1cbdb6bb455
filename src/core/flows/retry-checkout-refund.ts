import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { isAdmin, type Ctx } from '../context.ts';
import { refunds } from '../db/schema/commerce.ts';
import { withTx } from '../db/tx.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { requiredReason } from '../shared/fields.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { newRefundAttempt, sendRefund, type RefundOutcome } from './complete-paid-checkout.ts';

export const retryCheckoutRefundInput = z.object({ reason: requiredReason });

export interface CheckoutRefundDto {
  refundId: string;
  checkoutId: string;
  attempt: number;
  amountMinor: number;
  currency: string;
  /** Where the new attempt stands: succeeded, pending at the bank, failed again, or unknown (Stripe did not answer; the reconciler asks again). */
  status: RefundOutcome;
}

/**
 * An operator sends a failed whole-checkout refund (a paid checkout that could not become orders)
 * again, as a new attempt: a new refund at Stripe under a new idempotency key, audited. Orders have
 * `refundOrder` for this; a checkout refund has no order to hang it on. Only a failed refund is
 * retried: one still pending or unknown is Stripe's to answer (`mvshop payments reconcile` asks).
 */
export async function retryCheckoutRefund(ctx: Ctx, rawCheckoutId: unknown, raw: unknown): Promise<CheckoutRefundDto> {
  if (!isAdmin(ctx.actor)) throw forbidden('Only an admin or an operator retries a refund');
  const checkoutId = parseInput(idSchema('checkout'), rawCheckoutId);
  const { reason } = parseInput(retryCheckoutRefundInput, raw);
  const whole = and(eq(refunds.checkoutId, checkoutId), isNull(refunds.orderId))!;
  const refundId = await withTx(ctx, async (tx) => {
    const [refund] = await tx.select().from(refunds).where(whole).for('update');
    if (!refund) throw notFound('Refund of checkout');
    if (refund.status !== 'failed')
      throw new AppError(
        'INVALID_STATE',
        refund.status === 'succeeded'
          ? `The refund of checkout ${checkoutId} already succeeded`
          : `The refund of checkout ${checkoutId} is ${refund.status} at Stripe: only a failed refund is retried (\`mvshop payments reconcile\` asks Stripe about it)`,
      );
    const retried = (await newRefundAttempt({ ...ctx, db: tx }, whole))!;
    await recordAudit({ ...ctx, db: tx }, {
      action: 'checkout.refund-retry',
      target: checkoutId,
      reason,
      details: { refundId: retried.id, attempt: retried.attempt, amountMinor: refund.amountMinor, lastError: refund.lastError },
    });
    return retried.id;
  });
  const status = await sendRefund(ctx, refundId);
  const [row] = await ctx.db.select().from(refunds).where(eq(refunds.id, refundId));
  return { refundId, checkoutId, attempt: row!.attempt, amountMinor: row!.amountMinor, currency: row!.currency, status };
}
