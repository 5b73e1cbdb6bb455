import type { orderEvents, orderLines, orders } from '../db/schema/commerce.ts';
import { minorToMajor } from '../shared/money.ts';

type OrderRow = typeof orders.$inferSelect;
type LineRow = typeof orderLines.$inferSelect;
type EventRow = typeof orderEvents.$inferSelect;

/** An order as the storefront reads it (`cart`, `totalPrice`, `paymentInfo` keep the seed's shape). */
export function toOrderDto(o: OrderRow, lines: LineRow[], shopName: string, history?: EventRow[]) {
  return {
    _id: o.id,
    checkoutId: o.checkoutId,
    shopId: o.shopId,
    shop: { _id: o.shopId, name: shopName },
    user: { _id: o.userId, name: o.buyer.name, email: o.buyer.email, phoneNumber: o.buyer.phoneNumber },
    cart: lines.map((l) => ({
      _id: l.productId,
      lineId: l.id,
      productId: l.productId,
      shopId: o.shopId,
      name: l.name,
      images: l.image ? [l.image] : [],
      price: minorToMajor(l.unitPriceMinor),
      discountPrice: minorToMajor(l.unitPriceMinor),
      qty: l.qty,
      discount: minorToMajor(l.discountMinor),
      lineTotal: minorToMajor(l.unitPriceMinor * l.qty - l.discountMinor),
      isReviewed: l.reviewedAt !== null,
    })),
    subtotal: minorToMajor(o.subtotalMinor),
    discount: minorToMajor(o.discountMinor),
    shipping: minorToMajor(o.shippingMinor),
    totalPrice: minorToMajor(o.totalMinor),
    platformFee: minorToMajor(o.platformFeeMinor),
    currency: o.currency,
    status: o.status,
    paymentInfo: { id: o.paymentIntentId, type: o.paymentType, status: o.paymentStatus },
    shippingAddress: o.shippingAddress,
    refundReason: o.refundReason,
    paidAt: o.paidAt?.toISOString() ?? null,
    deliveredAt: o.deliveredAt?.toISOString() ?? null,
    refundedAt: o.refundedAt?.toISOString() ?? null,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    ...(history && {
      statusHistory: history.map((h) => ({
        from: h.fromStatus,
        status: h.toStatus,
        actor: h.actor,
        note: h.note,
        at: h.createdAt.toISOString(),
      })),
    }),
  };
}
export type OrderDto = ReturnType<typeof toOrderDto>;
