import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { cartItems, checkouts, orders } from '../db/schema/commerce.ts';
import { shops, users } from '../db/schema/index.ts';
import { withTxRetry } from '../db/tx.ts';
import { orderPaidEntries, postJournal } from '../ledger/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { writeOrders } from './write-orders.ts';

export interface FinalizeResult {
  checkoutId: string;
  orderIds: string[];
  /** False when an earlier call (the client, the webhook or the reconciler) had already finalized it. */
  created: boolean;
}

/**
 * Turns an open (paid) checkout into one order per shop, once. The checkout row lock serialises the
 * client's create-order, the webhook and the reconciler; whoever comes second sees "completed"
 * and gets the same orders. In one transaction: the cart lines, then orders, lines, history,
 * payment, emails, stock and coupon use (one statement, `writeOrders`), then the ledger.
 *
 * The contended rows are locked last, in one fixed order (listings by id, coupons by id, ledger
 * balances by account, as refunds also take listings before balances), so a popular product's
 * stock row is held only for the last statements of the transaction and no two finalizers, or a
 * finalizer and a refund, can deadlock.
 */
export async function finalizeCheckout(ctx: Ctx, checkoutId: string): Promise<FinalizeResult> {
  const result = await withTxRetry(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const [locked] = await tx
      .select({
        checkout: checkouts,
        buyer: { name: users.name, email: users.email, phoneNumber: users.phoneNumber },
        // The snapshot's shops, for the new-order emails: read with the lock rather than after it.
        shops: sql<{ id: string; name: string; email: string }[]>`(
          SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name, 'email', s.email)), '[]'::json) FROM ${shops} s
          WHERE s.id IN (SELECT part->>'shopId' FROM jsonb_array_elements(${checkouts.snapshot}->'shops') part))`,
      })
      .from(checkouts)
      .leftJoin(users, eq(users.id, checkouts.userId))
      .where(eq(checkouts.id, checkoutId))
      .for('update', { of: checkouts });
    if (!locked) throw notFound('Checkout');
    const { checkout, buyer, shops: shopRows } = locked;
    if (checkout.status === 'completed') {
      const existing = await tx.select({ id: orders.id }).from(orders).where(eq(orders.checkoutId, checkoutId)).orderBy(orders.id);
      return { checkoutId, orderIds: existing.map((o) => o.id), created: false };
    }
    if (checkout.status !== 'open')
      throw new AppError('INVALID_STATE', `Checkout ${checkoutId} is ${checkout.status}${checkout.failureReason ? `: ${checkout.failureReason}` : ''}`);
    await ctx.probe?.('finalize:before-writes');

    const card = checkout.paymentType === 'Credit Card';
    const now = ctx.clock.now();
    const lines = checkout.snapshot.shops.flatMap((s) => s.lines);
    // The bought products' lines leave the cart (it is cleared only with success); lines added since stay.
    await tx
      .delete(cartItems)
      .where(and(eq(cartItems.userId, checkout.userId), inArray(cartItems.productId, lines.map((l) => l.productId))));

    const { parts } = await writeOrders(c, {
      checkout,
      completeCheckout: { completedAt: now },
      buyer: buyer ?? undefined,
      shops: new Map(shopRows.map((s) => [s.id, s])),
    });

    // Shops in id order, so this transaction takes their balance rows in the order a settlement batch does.
    if (card)
      for (const { part, orderId, fee } of [...parts].sort((x, y) => (x.part.shopId < y.part.shopId ? -1 : 1)))
        await postJournal(c, {
          kind: 'order-paid',
          ref: orderId,
          entries: orderPaidEntries({ shopId: part.shopId, totalMinor: part.totalMinor, feeMinor: fee.fee }),
        });

    return { checkoutId, orderIds: parts.map((p) => p.orderId), created: true };
  });
  if (result.created) ctx.afterCommit?.();
  return result;
}
