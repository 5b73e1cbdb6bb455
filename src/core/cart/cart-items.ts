import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { withTx } from '../db/tx.ts';
import { cartItems } from '../db/schema/commerce.ts';
import { AppError, isAppError, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toCartDto, type CartDto } from './dto.ts';
import { loadCart, unavailableReason, writeLineReadingCart, type CartRow, type CartWithListing } from './load-cart.ts';
import { priceCart } from './price-cart.ts';

export const MAX_CART_LINES = 100;

const listingId = z.union([idSchema('product'), idSchema('event')], { message: 'must be a product or event id' });
const quantity = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(10_000, 'must be at most 10000');

export const addToCartInput = z.object({ productId: listingId, qty: quantity.default(1) });
export const updateCartItemInput = z.object({
  productId: listingId,
  qty: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10_000),
});

/** The cart priced now. */
export async function getCart(ctx: Ctx, userId: string): Promise<CartDto> {
  const rows = await loadCart(ctx, userId);
  return toCartDto(priceCart(rows, { now: ctx.clock.now(), defaultFeeBps: ctx.config.platformFeeBps }), ctx.config.currency);
}

/** The cart as it is after setting `listing` to `qty`: a listing new to the cart comes last, as it is stored. */
function cartAfter(ctx: Ctx, lines: CartRow[], listing: CartRow, qty: number): CartDto {
  const inCart = lines.some((l) => l.productId === listing.productId);
  const after = inCart ? lines.map((l) => (l.productId === listing.productId ? { ...l, qty } : l)) : [...lines, { ...listing, qty }];
  return toCartDto(priceCart(after, { now: ctx.clock.now(), defaultFeeBps: ctx.config.platformFeeBps }), ctx.config.currency);
}

function stockError(name: string, stock: number, wanted: number) {
  return new AppError(
    'VALIDATION_FAILED',
    stock === 0 ? `${name} is out of stock` : `Only ${stock} of ${name} in stock (asked for ${wanted})`,
    { fields: { qty: `must be at most ${stock}` } },
  );
}

/**
 * Adds a listing (or more of it). The total quantity never exceeds the stock at this moment: the
 * checks and the write are one statement (`writeLineReadingCart`); what it read explains a refusal.
 */
export async function addToCart(ctx: Ctx, userId: string, raw: unknown): Promise<CartDto> {
  const input = parseInput(addToCartInput, raw);
  const { listing, lines, held } = await writeLine(ctx, userId, input.productId, input.qty, false);
  return cartAfter(ctx, lines, listing, held);
}

/** Sets a line's quantity; 0 removes it. */
export async function updateCartItem(ctx: Ctx, userId: string, raw: unknown): Promise<CartDto> {
  const input = parseInput(updateCartItemInput, raw);
  if (input.qty === 0) return removeCartItem(ctx, userId, input.productId);
  const { listing, lines, held } = await writeLine(ctx, userId, input.productId, input.qty, true);
  return cartAfter(ctx, lines, listing, held);
}

/**
 * Adds `qty` of a listing to the buyer's line (`set`: makes the line hold `qty`, at least 1) when
 * they may, else throws why not; returns the cart and the listing as read before, and what the
 * line holds now.
 */
async function writeLine(
  ctx: Ctx,
  userId: string,
  productId: string,
  qty: number,
  set: boolean,
): Promise<CartWithListing & { listing: CartRow; held: number }> {
  const { listing, lines, held } = await writeLineReadingCart(ctx, { userId, productId, qty, set, maxLines: MAX_CART_LINES });
  if (held === null || !listing) throw refusal(ctx, listing, lines, set ? qty : (listing?.qty ?? 0) + qty);
  return { listing, lines, held };
}

/**
 * Why a cart change wrote nothing, from the cart and listing it read: hidden, pending or deleted
 * listings look like nothing to a buyer (404); one out of its window is a 409 naming why.
 */
function refusal(ctx: Ctx, listing: CartRow | undefined, lines: CartRow[], wanted: number): AppError {
  if (!listing) return notFound('Product');
  const reason = unavailableReason(listing, ctx.clock.now());
  if (reason === 'no longer sold' || reason === 'not available') return notFound('Product');
  if (reason) return new AppError('CONFLICT', `${listing.name} cannot be bought now: ${reason}`);
  if (wanted > listing.stock) return stockError(listing.name, listing.stock, wanted);
  if (listing.qty === 0 && lines.length >= MAX_CART_LINES) return new AppError('CONFLICT', `A cart holds at most ${MAX_CART_LINES} different items`);
  // Another request changed this line or the stock between the read and the write.
  return new AppError('CONFLICT', `${listing.name} changed in your cart or in stock meanwhile; nothing was changed, please try again`, { retryable: true });
}

export async function removeCartItem(ctx: Ctx, userId: string, rawProductId: unknown): Promise<CartDto> {
  const productId = parseInput(listingId, rawProductId);
  await ctx.db.delete(cartItems).where(and(eq(cartItems.userId, userId), eq(cartItems.productId, productId)));
  return getCart(ctx, userId);
}

export async function clearCart(ctx: Ctx, userId: string): Promise<CartDto> {
  await ctx.db.delete(cartItems).where(eq(cartItems.userId, userId));
  return getCart(ctx, userId);
}

export const replaceCartInput = z.object({
  lines: z
    .array(z.object({ productId: listingId, qty: quantity }), { message: 'must be a list of items' })
    .min(1, 'must hold at least one item')
    .max(MAX_CART_LINES, `must hold at most ${MAX_CART_LINES} different items`),
});

/**
 * Makes the cart hold exactly `lines`, for a buyer who kept the cart elsewhere (in the browser) and
 * brings it to checkout. Only ids and quantities are taken; each line passes the checks of
 * add-to-cart, and the cart changes all or nothing. Repeated ids add up. Its callers go on to price
 * or order the cart, which reads it again, so nothing is answered here.
 */
export async function replaceCart(ctx: Ctx, userId: string, raw: unknown): Promise<void> {
  const input = parseInput(replaceCartInput, raw);
  const wanted = new Map<string, number>();
  for (const line of input.lines) wanted.set(line.productId, (wanted.get(line.productId) ?? 0) + line.qty);
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    await tx.delete(cartItems).where(eq(cartItems.userId, userId));
    for (const [productId, qty] of wanted) {
      try {
        // Repeated ids add up: the sum is held to a line's own bounds.
        const line = parseInput(updateCartItemInput, { productId, qty });
        await writeLine(c, userId, line.productId, line.qty, true);
      } catch (err) {
        // A line the buyer still holds may have been deleted or hidden since: say which one.
        if (isAppError(err) && err.code === 'NOT_FOUND')
          throw new AppError('CONFLICT', `An item in your cart is no longer sold (${productId}); remove it and try again`, {
            fields: { [productId]: 'no longer sold' },
          });
        throw err;
      }
    }
  });
}
