import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import type { CheckoutSnapshot, ShippingAddress } from '../db/schema/commerce.ts';
import { loadCart, priceCart, type CartRow, type CouponTerms, type PricedCart } from '../cart/index.ts';
import { couponForCheckout } from '../coupons/index.ts';
import { AppError } from '../shared/errors.ts';
import { optionalText } from '../shared/fields.ts';
import { addressInput } from '../users/index.ts';

/** Where a checkout ships to: an address as buyers keep them, plus a contact phone. */
export const shippingAddressSchema = addressInput
  .omit({ addressType: true })
  .extend({ phoneNumber: optionalText(24) });

export const couponCodeField = z
  .string()
  .trim()
  .max(40, 'must be at most 40 characters')
  .optional()
  .nullable()
  .transform((v) => v || undefined);

export interface CheckoutPricing {
  priced: PricedCart;
  snapshot: CheckoutSnapshot;
  fingerprint: string;
}

/**
 * Prices the buyer's server-side cart for a checkout: refuses an empty cart, lines that became
 * unavailable (409 naming them) and a coupon that does not apply. Client prices play no part.
 */
export async function priceCheckout(
  ctx: Ctx,
  userId: string,
  input: { couponCode?: string; shippingAddress: ShippingAddress },
): Promise<CheckoutPricing> {
  const coupon = input.couponCode ? await couponForCheckout(ctx, input.couponCode) : undefined;
  return pricingOf(ctx, await loadCart(ctx, userId), input, coupon);
}

/** The same for cart rows already read (a cash order reads them as it takes them). */
export function pricingOf(
  ctx: Ctx,
  rows: CartRow[],
  input: { couponCode?: string; shippingAddress: ShippingAddress },
  coupon: CouponTerms | undefined,
): CheckoutPricing {
  if (rows.length === 0) throw new AppError('CONFLICT', 'Your cart is empty');
  const priced = priceCart(rows, { now: ctx.clock.now(), defaultFeeBps: ctx.config.platformFeeBps, coupon });
  if (priced.problems.length)
    throw new AppError(
      'CONFLICT',
      `Some items cannot be bought: ${priced.problems.map((p) => `${p.name} (${p.problem})`).join('; ')}`,
      { problems: priced.problems },
    );
  if (priced.coupon && !priced.coupon.applied)
    throw new AppError('CONFLICT', `Coupon ${priced.coupon.name} cannot be used: ${priced.coupon.reason}`);
  const snapshot: CheckoutSnapshot = {
    totalMinor: priced.totalMinor,
    shops: priced.shops.map((s) => ({
      shopId: s.shopId,
      feeBps: s.feeBps,
      couponId: s.couponId,
      subtotalMinor: s.subtotalMinor,
      discountMinor: s.discountMinor,
      shippingMinor: s.shippingMinor,
      totalMinor: s.totalMinor,
      lines: s.lines.map((l) => ({
        productId: l.productId,
        name: l.name,
        image: l.image,
        unitPriceMinor: l.unitPriceMinor,
        qty: l.qty,
        discountMinor: l.discountMinor,
      })),
    })),
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([snapshot, input.shippingAddress, input.couponCode ?? null, ctx.config.currency]))
    .digest('hex');
  return { priced, snapshot, fingerprint };
}
