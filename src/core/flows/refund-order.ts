import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { ledgerJournals, orderLines, orders, refunds } from '../db/schema/commerce.ts';
import { productStock } from '../db/schema/index.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from '../catalog/catalog-version.ts';
import { orderRefundEntries, platformAccount, postJournal, shopAccount } from '../ledger/index.ts';
import { queueEmail } from '../mail/index.ts';
import { dropSettlement, getOrder, lockOrder, transitionOrder, type OrderDto } from '../orders/index.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { formatMinor } from '../shared/money.ts';
import { moderationReason } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';
import { recordAudit } from '../audit/index.ts';
import { newRefundAttempt, sendRefund } from './complete-paid-checkout.ts';

/** Why an admin or operator completes the refund, for the audit row (default: the buyer's reason). */
export const refundOrderInput = z.object({ reason: moderationReason });

/**
 * Completes a requested refund, once: the order's amount goes back through Stripe (a partial
 * refund of the shared PaymentIntent, keyed by the order id) or, for cash orders, is recorded;
 * stock is restored; the order's ledger postings are reversed; the buyer is emailed.
 * A Stripe timeout leaves the refund "unknown" and the order in "Processing refund"; calling
 * again (or the reconciler) retries with the same idempotency key. A refund Stripe holds as
 * pending leaves the order there too until it succeeds; one that failed is sent again, as a new
 * attempt, by calling this again.
 */
export async function refundOrder(ctx: Ctx, rawId: unknown, raw: unknown = {}): Promise<OrderDto> {
  const id = parseInput(idSchema('order'), rawId);
  const { reason } = parseInput(refundOrderInput, raw);
  const a = ctx.actor;
  const refundId = await withTx(ctx, async (tx) => {
    const order = await lockOrder({ ...ctx, db: tx }, id);
    if (!order) throw notFound('Order');
    const admin = isAdmin(a);
    if (!admin && !(a.kind === 'shop' && a.id === order.shopId)) {
      if (a.kind === 'shop') throw forbidden('This order belongs to another shop');
      // The buyer knows the order exists; what they lack is the right to complete its refund.
      if (a.kind === 'user' && a.id === order.userId)
        throw forbidden("Only the order's shop or an admin completes a refund; the buyer requests one");
      throw notFound('Order');
    }
    if (order.status === 'Refund Success') throw new AppError('INVALID_STATE', `Order ${id} has already been refunded`);
    if (order.status !== 'Processing refund')
      throw new AppError('INVALID_STATE', `Order ${id} is "${order.status}": only an order in "Processing refund" can be refunded`);
    const now = ctx.clock.now();
    const card = order.paymentType === 'Credit Card';
    // Audited when the admin acts, so it is recorded even if the reconciler finishes the refund later.
    if (admin)
      await recordAudit({ ...ctx, db: tx }, {
        action: 'order.refund',
        target: id,
        reason: reason ?? order.refundReason,
        details: { shopId: order.shopId, totalMinor: order.totalMinor, buyerReason: order.refundReason },
      });
    // Cash never collected (refund before delivery): nothing goes back, so there is no refund record.
    if (!card && order.paymentStatus !== 'succeeded') return null;
    const [inserted] = await tx
      .insert(refunds)
      .values({
        id: newId('refund'),
        orderId: id,
        checkoutId: order.checkoutId,
        provider: card ? 'stripe' : 'manual',
        amountMinor: order.totalMinor,
        currency: order.currency,
        status: card ? 'pending' : 'succeeded',
        reason: order.refundReason,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: refunds.id });
    if (inserted) return inserted.id;
    const retried = await newRefundAttempt({ ...ctx, db: tx }, eq(refunds.orderId, id));
    if (retried) return retried.id;
    const [existing] = await tx.select({ id: refunds.id }).from(refunds).where(eq(refunds.orderId, id));
    return existing!.id;
  });

  const [refund] = refundId ? await ctx.db.select().from(refunds).where(eq(refunds.id, refundId)) : [];
  if (refund?.provider === 'stripe' && refund.status !== 'succeeded') {
    const outcome = await sendRefund(ctx, refund.id);
    // Waiting at the bank: the order stays in "Processing refund" until a webhook or the reconciler sees it end.
    if (outcome === 'pending') return getOrder(ctx, id);
    if (outcome === 'unknown')
      throw new AppError('EXTERNAL_SERVICE', 'Stripe did not confirm the refund yet; it is recorded and will be retried', { outcome: 'unknown' });
    if (outcome === 'failed')
      throw new AppError('PAYMENT_FAILED', 'The refund failed at Stripe; nothing was paid back. The order stays in "Processing refund": retry it, or settle it with the buyer');
  }
  await completeOrderRefund(ctx, id);
  return getOrder(ctx, id);
}

/** The database half of a confirmed refund: status, stock, ledger reversal, email. Idempotent. */
export async function completeOrderRefund(ctx: Ctx, orderId: string): Promise<void> {
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const order = await lockOrder(c, orderId);
    if (!order || order.status === 'Refund Success') return;
    await dropSettlement(c, orderId);
    const now = ctx.clock.now();
    await transitionOrder(c, order, 'Refund Success', {
      set: { paymentStatus: order.paymentStatus === 'pending' ? 'failed' : 'refunded', refundedAt: now },
    });
    const lines = await tx.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(orderLines.productId);
    for (const l of lines)
      await tx
        .update(productStock)
        .set({ stock: sql`${productStock.stock} + ${l.qty}`, soldCount: sql`GREATEST(${productStock.soldCount} - ${l.qty}, 0)` })
        .where(eq(productStock.productId, l.productId));
    // The restocked listings may have been sold out.
    onCommit(tx, catalogChanged);
    await reverseOrderMoney(c, order);
    const collected = order.paymentStatus === 'succeeded';
    await queueEmail(c, order.buyer.email, collected ? 'order-refunded' : 'order-cancelled', {
      name: order.buyer.name,
      orderId,
      total: formatMinor(order.totalMinor),
      currency: order.currency,
    });
  });
  ctx.afterCommit?.();
}

/**
 * Undoes what the order put in the ledger. Money still pending comes out of pending; money that
 * already settled comes out of available (which may go negative and then blocks withdrawals).
 */
async function reverseOrderMoney(ctx: Ctx, order: typeof orders.$inferSelect): Promise<void> {
  const posted = async (kind: string) =>
    (await ctx.db.select({ id: ledgerJournals.id }).from(ledgerJournals).where(and(eq(ledgerJournals.kind, kind), eq(ledgerJournals.ref, order.id)))).length > 0;
  if (await posted('order-paid')) {
    const from = (await posted('settlement')) ? 'available' : 'pending';
    await postJournal(ctx, {
      kind: 'order-refund',
      ref: order.id,
      entries: orderRefundEntries({ shopId: order.shopId, totalMinor: order.totalMinor, feeMinor: order.platformFeeMinor }, from),
    });
  }
  if (await posted('cod-fee'))
    await postJournal(ctx, {
      kind: 'cod-fee-reversal',
      ref: order.id,
      entries: [
        { account: shopAccount.available(order.shopId), amountMinor: order.platformFeeMinor },
        { account: platformAccount.fees, amountMinor: -order.platformFeeMinor },
      ],
    });
}
