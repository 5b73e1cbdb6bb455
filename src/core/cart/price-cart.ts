import type { Image } from '../db/schema/index.ts';
import { feeFromBps, formatMinor, splitProportionally } from '../shared/money.ts';
import { unavailableReason, type CartRow } from './load-cart.ts';

export interface CouponTerms {
  id: string;
  name: string;
  shopId: string;
  percent: number;
  productId: string | null;
  minAmountMinor: number | null;
  maxAmountMinor: number | null;
}

export interface PricedLine {
  productId: string;
  name: string;
  image: Image | null;
  unitPriceMinor: number;
  qty: number;
  stock: number;
  discountMinor: number;
  lineTotalMinor: number;
  /** Why this line cannot be bought now (unavailable, out of its window, more than stock). */
  problem?: string;
}

export interface PricedShop {
  shopId: string;
  shopName: string;
  shopAvatar: Image | null;
  feeBps: number;
  couponId: string | null;
  lines: PricedLine[];
  subtotalMinor: number;
  discountMinor: number;
  shippingMinor: number;
  totalMinor: number;
}

export interface PricedCart {
  shops: PricedShop[];
  subtotalMinor: number;
  discountMinor: number;
  shippingMinor: number;
  totalMinor: number;
  itemCount: number;
  problems: { productId: string; name: string; problem: string }[];
  /** Set when a coupon was asked for: whether it applied, and if not why. */
  coupon?: { name: string; applied: boolean; reason?: string };
}

/**
 * Prices cart rows as the database has them now: listing price × qty per line, the coupon on its
 * own shop's eligible lines only, and each shop's flat shipping once. Pure: no I/O.
 */
export function priceCart(rows: CartRow[], opts: { now: Date; defaultFeeBps: number; coupon?: CouponTerms }): PricedCart {
  const byShop = new Map<string, CartRow[]>();
  for (const row of rows) byShop.set(row.shopId, [...(byShop.get(row.shopId) ?? []), row]);

  const problems: PricedCart['problems'] = [];
  let couponResult: PricedCart['coupon'];
  const shops: PricedShop[] = [];
  for (const [shopId, shopRows] of byShop) {
    const lines: PricedLine[] = shopRows.map((r) => {
      const problem =
        unavailableReason(r, opts.now) ?? (r.qty <= r.stock ? undefined : r.stock === 0 ? 'out of stock' : `only ${r.stock} left in stock`);
      if (problem) problems.push({ productId: r.productId, name: r.name, problem });
      return {
        productId: r.productId,
        name: r.name,
        image: r.image,
        unitPriceMinor: r.priceMinor,
        qty: r.qty,
        stock: r.stock,
        discountMinor: 0,
        lineTotalMinor: r.priceMinor * r.qty,
        ...(problem && { problem }),
      };
    });
    const subtotalMinor = lines.reduce((a, l) => a + l.lineTotalMinor, 0);
    let discountMinor = 0;
    let couponId: string | null = null;
    const coupon = opts.coupon;
    if (coupon && coupon.shopId === shopId) {
      const eligible = lines.filter((l) => !coupon.productId || l.productId === coupon.productId);
      const eligibleTotal = eligible.reduce((a, l) => a + l.lineTotalMinor, 0);
      const reason =
        eligible.length === 0
          ? 'it does not apply to anything in your cart'
          : coupon.minAmountMinor !== null && subtotalMinor < coupon.minAmountMinor
            ? `it needs at least ${formatMinor(coupon.minAmountMinor)} from this shop`
            : coupon.maxAmountMinor !== null && subtotalMinor > coupon.maxAmountMinor
              ? `it applies up to ${formatMinor(coupon.maxAmountMinor)} from this shop`
              : undefined;
      if (reason) couponResult = { name: coupon.name, applied: false, reason };
      else {
        discountMinor = feeFromBps(eligibleTotal, coupon.percent * 100).fee;
        const parts = splitProportionally(discountMinor, eligible.map((l) => l.lineTotalMinor));
        eligible.forEach((l, i) => {
          l.discountMinor = parts[i] ?? 0;
          l.lineTotalMinor -= l.discountMinor;
        });
        couponId = coupon.id;
        couponResult = { name: coupon.name, applied: true };
      }
    }
    const shippingMinor = shopRows[0]!.shippingFeeMinor;
    shops.push({
      shopId,
      shopName: shopRows[0]!.shopName,
      shopAvatar: shopRows[0]!.shopAvatar,
      feeBps: shopRows[0]!.feeBps ?? opts.defaultFeeBps,
      couponId,
      lines,
      subtotalMinor,
      discountMinor,
      shippingMinor,
      totalMinor: subtotalMinor - discountMinor + shippingMinor,
    });
  }
  if (opts.coupon && !couponResult)
    couponResult = { name: opts.coupon.name, applied: false, reason: 'nothing from its shop is in your cart' };
  const sum = (f: (s: PricedShop) => number) => shops.reduce((a, s) => a + f(s), 0);
  return {
    shops,
    subtotalMinor: sum((s) => s.subtotalMinor),
    discountMinor: sum((s) => s.discountMinor),
    shippingMinor: sum((s) => s.shippingMinor),
    totalMinor: sum((s) => s.totalMinor),
    itemCount: rows.reduce((a, r) => a + r.qty, 0),
    problems,
    ...(couponResult && { coupon: couponResult }),
  };
}
