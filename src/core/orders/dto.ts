import { z } from 'zod';
import { orderStatuses, paymentStatuses, paymentTypes, shippingAddressDto, type orderEvents, type orderLines, type orders } from '../db/schema/commerce.ts';
import { imageDto } from '../db/schema/columns.ts';
import { listingId } from '../catalog/fields.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';

type OrderRow = typeof orders.$inferSelect;
type LineRow = typeof orderLines.$inferSelect;
type EventRow = typeof orderEvents.$inferSelect;

const orderStatus = z.enum(orderStatuses);

/** An order as the storefront reads it (`cart`, `totalPrice`, `paymentInfo` keep the seed's shape). */
export const orderDto = z.object({
  _id: idSchema('order'),
  checkoutId: idSchema('checkout'),
  shopId: idSchema('shop'),
  shop: z.object({ _id: idSchema('shop'), name: z.string() }),
  user: z.object({ _id: idSchema('user'), name: z.string(), email: z.string(), phoneNumber: z.string().nullable() }),
  cart: z.array(
    z.object({
      _id: listingId,
      lineId: idSchema('orderLine'),
      productId: listingId,
      shopId: idSchema('shop'),
      name: z.string(),
      images: z.array(imageDto),
      price: z.number(),
      discountPrice: z.number(),
      qty: z.number().int(),
      discount: z.number(),
      lineTotal: z.number(),
      isReviewed: z.boolean(),
    }),
  ),
  subtotal: z.number(),
  discount: z.number(),
  shipping: z.number(),
  totalPrice: z.number(),
  platformFee: z.number(),
  currency: z.string(),
  status: orderStatus,
  paymentInfo: z.object({ id: z.string().nullable(), type: z.enum(paymentTypes), status: z.enum(paymentStatuses) }),
  shippingAddress: shippingAddressDto,
  refundReason: z.string().nullable(),
  paidAt: isoTime.nullable(),
  deliveredAt: isoTime.nullable(),
  refundedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  statusHistory: z
    .array(z.object({ from: orderStatus.nullable(), status: orderStatus, actor: z.string(), note: z.string().nullable(), at: isoTime }))
    .optional(),
});
export type OrderDto = z.infer<typeof orderDto>;

export function toOrderDto(o: OrderRow, lines: LineRow[], shopName: string, history?: EventRow[]): OrderDto {
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
