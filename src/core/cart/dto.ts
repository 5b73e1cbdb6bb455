import { minorToMajor } from '../shared/money.ts';
import type { PricedCart } from './price-cart.ts';

/** The cart as the storefront reads it: grouped by shop, major units, availability flags. */
export function toCartDto(cart: PricedCart, currency: string) {
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
export type CartDto = ReturnType<typeof toCartDto>;
