import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { cartItems, checkouts, orderEvents, orderLines, orders, payments } from '../db/schema/commerce.ts';
import { products, shops, users } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { redeemCoupon } from '../coupons/index.ts';
import { platformAccount, postJournal, shopAccount } from '../ledger/index.ts';
import { queueEmails, type QueuedEmail } from '../mail/index.ts';
import { toOrderDto, type OrderDto } from '../orders/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { feeFromBps, formatMinor } from '../shared/money.ts';
import { actorLabel } from '../context.ts';

export interface FinalizeResult {
  checkoutId: string;
  orderIds: string[];
  /** False when an earlier call (the client, the webhook or the reconciler) had already finalized it. */
  created: boolean;
  /** The orders as written, when this call created them (so the caller need not read them back). */
  orders?: OrderDto[];
}

/** Thrown inside the finalize transaction when a line's stock is gone; everything rolls back. */
export class OutOfStockError extends AppError {
  constructor(readonly lines: { productId: string; name: string }[]) {
    super('CONFLICT', `Out of stock: ${lines.map((l) => l.name).join(', ')}`, { outOfStock: lines });
  }
}

/**
 * Turns an open checkout into one order per shop, once. The checkout row lock serialises the
 * client's create-order, the webhook and the reconciler; whoever comes second sees "completed"
 * and gets the same orders. Stock is taken with conditional updates, so it never goes negative.
 * In one transaction: stock, orders, lines, history, payment, ledger, coupon use, cart, emails.
 *
 * The writes come first, each one statement for every shop; the contended rows are locked last, in
 * one fixed order (listings by id, coupons by id, ledger balances by account, as refunds also take
 * listings before balances), so a popular product's stock row is held only for the last few
 * statements of the transaction and no two finalizers, or a finalizer and a refund, can deadlock.
 */
export async function finalizeCheckout(ctx: Ctx, checkoutId: string): Promise<FinalizeResult> {
  const result = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const [locked] = await tx
      .select({ checkout: checkouts, buyer: { name: users.name, email: users.email, phoneNumber: users.phoneNumber } })
      .from(checkouts)
      .leftJoin(users, eq(users.id, checkouts.userId))
      .where(eq(checkouts.id, checkoutId))
      .for('update', { of: checkouts });
    if (!locked) throw notFound('Checkout');
    const { checkout, buyer } = locked;
    if (checkout.status === 'completed') {
      const existing = await tx.select({ id: orders.id }).from(orders).where(eq(orders.checkoutId, checkoutId)).orderBy(orders.id);
      return { checkoutId, orderIds: existing.map((o) => o.id), created: false };
    }
    if (checkout.status !== 'open')
      throw new AppError('INVALID_STATE', `Checkout ${checkoutId} is ${checkout.status}${checkout.failureReason ? `: ${checkout.failureReason}` : ''}`);
    await ctx.probe?.('finalize:checkout-locked');

    const card = checkout.paymentType === 'Credit Card';
    const now = ctx.clock.now();
    const lines = checkout.snapshot.shops.flatMap((s) => s.lines).sort((a, b) => (a.productId < b.productId ? -1 : 1));
    // A cash order is made from the cart as it stands: consuming exactly those cart rows means a
    // double-submitted create-order finds them gone (the second waits on the row locks) and stops.
    const consumed = await tx
      .delete(cartItems)
      .where(and(eq(cartItems.userId, checkout.userId), inArray(cartItems.productId, lines.map((l) => l.productId))))
      .returning({ productId: cartItems.productId, qty: cartItems.qty });
    if (!card) {
      const inCart = new Map(consumed.map((r) => [r.productId, r.qty]));
      if (lines.some((l) => inCart.get(l.productId) !== l.qty))
        throw new AppError('CONFLICT', 'Your cart changed while the order was being placed; check it and try again');
    }

    const shopRows = await tx
      .select({ id: shops.id, name: shops.name, email: shops.email })
      .from(shops)
      .where(inArray(shops.id, checkout.snapshot.shops.map((s) => s.shopId)));
    const shopById = new Map(shopRows.map((s) => [s.id, s]));
    const paymentStatus = card ? ('succeeded' as const) : ('pending' as const);
    const buyerInfo = { name: buyer?.name ?? '', email: buyer?.email ?? '', phoneNumber: buyer?.phoneNumber ?? null };

    const parts = checkout.snapshot.shops.map((part) => ({ part, orderId: newId('order'), fee: feeFromBps(part.totalMinor, part.feeBps) }));
    const emails: QueuedEmail[] = [];
    for (const { part, orderId } of parts) {
      const shop = shopById.get(part.shopId);
      if (shop)
        emails.push({
          to: shop.email,
          template: 'new-order',
          vars: { shop: shop.name, orderId, total: formatMinor(part.totalMinor), currency: checkout.currency, items: part.lines.reduce((a, l) => a + l.qty, 0) },
        });
    }
    if (buyer)
      emails.push({
        to: buyer.email,
        template: 'order-placed',
        vars: {
          name: buyer.name,
          orders: parts.map(({ part, orderId }) => ({ id: orderId, shop: shopById.get(part.shopId)?.name ?? '', total: formatMinor(part.totalMinor) })),
          total: formatMinor(checkout.amountMinor),
          currency: checkout.currency,
        },
      });

    await tx.insert(payments).values({
      id: newId('payment'),
      checkoutId,
      provider: card ? 'stripe' : 'manual',
      paymentIntentId: checkout.paymentIntentId,
      amountMinor: checkout.amountMinor,
      currency: checkout.currency,
      status: paymentStatus,
      createdAt: now,
      updatedAt: now,
    });
    const orderRows = await tx
      .insert(orders)
      .values(
        parts.map(({ part, orderId, fee }) => ({
          id: orderId,
          checkoutId,
          userId: checkout.userId,
          shopId: part.shopId,
          status: 'Processing' as const,
          paymentType: checkout.paymentType,
          paymentStatus,
          paymentIntentId: checkout.paymentIntentId,
          currency: checkout.currency,
          subtotalMinor: part.subtotalMinor,
          discountMinor: part.discountMinor,
          shippingMinor: part.shippingMinor,
          totalMinor: part.totalMinor,
          platformFeeMinor: fee.fee,
          feeBps: part.feeBps,
          couponId: part.couponId,
          shippingAddress: checkout.shippingAddress,
          buyer: buyerInfo,
          paidAt: card ? now : null,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .returning();
    const lineRows = await tx
      .insert(orderLines)
      .values(
        // A snapshot line is an order line's columns as priced at checkout.
        parts.flatMap(({ part, orderId }) => part.lines.map((l) => ({ id: newId('orderLine'), orderId, ...l }))),
      )
      .returning();
    await tx.insert(orderEvents).values(
      parts.map(({ orderId }) => ({
        id: newId('orderEvent'),
        orderId,
        fromStatus: null,
        toStatus: 'Processing' as const,
        actor: actorLabel(ctx.actor),
        note: card ? 'paid by card' : 'cash on delivery',
        createdAt: now,
      })),
    );
    await queueEmails(c, emails);

    const missing: { productId: string; name: string }[] = [];
    for (const line of lines) {
      await ctx.probe?.(`finalize:before-stock:${line.productId}`);
      const [taken] = await tx
        .update(products)
        .set({ stock: sql`${products.stock} - ${line.qty}`, soldCount: sql`${products.soldCount} + ${line.qty}`, updatedAt: now })
        .where(
          and(
            eq(products.id, line.productId),
            sql`${products.stock} >= ${line.qty}`,
            eq(products.status, 'active'),
            sql`${products.deletedAt} IS NULL`,
          ),
        )
        .returning({ id: products.id });
      if (!taken) missing.push({ productId: line.productId, name: line.name });
    }
    if (missing.length) throw new OutOfStockError(missing);

    const couponIds = [...new Set(checkout.snapshot.shops.map((s) => s.couponId).filter((id): id is string => Boolean(id)))].sort();
    for (const couponId of couponIds) await redeemCoupon(c, couponId);

    if (card)
      for (const { part, orderId, fee } of parts)
        await postJournal(c, {
          kind: 'order-paid',
          ref: orderId,
          entries: [
            { account: platformAccount.clearing, amountMinor: -part.totalMinor },
            { account: shopAccount.pending(part.shopId), amountMinor: fee.net },
            { account: platformAccount.fees, amountMinor: fee.fee },
          ],
        });

    await tx.update(checkouts).set({ status: 'completed', completedAt: now, updatedAt: now }).where(eq(checkouts.id, checkoutId));
    const written = orderRows.map((o) =>
      toOrderDto(o, lineRows.filter((l) => l.orderId === o.id).sort((x, y) => (x.id < y.id ? -1 : 1)), shopById.get(o.shopId)?.name ?? ''),
    );
    return { checkoutId, orderIds: parts.map((p) => p.orderId), created: true, orders: written };
  });
  if (result.created) ctx.afterCommit?.();
  return result;
}
