import { z } from 'zod';
import { listingId } from '../catalog/fields.ts';
import { imageDto } from '../db/schema/index.ts';
import { idSchema } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';
import type { PricedCart } from './price-cart.ts';

const money = { subtotal: z.number(), discount: z.number(), shipping: z.number(), total: z.number() };

/** The cart as the storefront reads it: grouped by shop, major units, availability flags. */
export const cartDto = z.object({
  shops: z.array(
    z.object({
      shop: z.object({ _id: idSchema('shop'), name: z.string(), avatar: imageDto.nullable() }),
      items: z.array(
        z.object({
          _id: listingId,
          productId: listingId,
          shopId: idSchema('shop'),
          name: z.string(),
          image: imageDto.nullable(),
          price: z.number(),
          qty: z.number().int(),
          stock: z.number().int(),
          discount: z.number(),
          lineTotal: z.number(),
          available: z.boolean(),
          problem: z.string().optional(),
        }),
      ),
      ...money,
    }),
  ),
  ...money,
  currency: z.string(),
  itemCount: z.number().int(),
  problems: z.array(z.object({ productId: listingId, name: z.string(), problem: z.string() })),
  coupon: z.object({ name: z.string(), applied: z.boolean(), reason: z.string().optional() }).optional(),
});
export type CartDto = z.infer<typeof cartDto>;

export function toCartDto(cart: PricedCart, currency: string): CartDto {
  return {
    shops: cart.shops.map((s) => ({
      shop: { _id: s.shopId, name: s.shopName, avatar: s.shopAvatar },
      items: s.lines.map((l) => ({
        _id: l.productId,
        productId: l.productId,
        shopId: s.shopId,
        name: l.name,
        image: l.image,
        price: minorToMajor(l.unitPriceMinor),
        qty: l.qty,
        stock: l.stock,
        discount: minorToMajor(l.discountMinor),
        lineTotal: minorToMajor(l.lineTotalMinor),
        available: !l.problem,
        ...(l.problem && { problem: l.problem }),
      })),
      subtotal: minorToMajor(s.subtotalMinor),
      discount: minorToMajor(s.discountMinor),
      shipping: minorToMajor(s.shippingMinor),
      total: minorToMajor(s.totalMinor),
    })),
    subtotal: minorToMajor(cart.subtotalMinor),
    discount: minorToMajor(cart.discountMinor),
    shipping: minorToMajor(cart.shippingMinor),
    total: minorToMajor(cart.totalMinor),
    currency,
    itemCount: cart.itemCount,
    problems: cart.problems,
    ...(cart.coupon && { coupon: cart.coupon }),
  };
}
