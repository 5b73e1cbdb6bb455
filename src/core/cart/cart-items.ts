import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { cartItems } from '../db/schema/commerce.ts';
import { products, shops } from '../db/schema/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toCartDto, type CartDto } from './dto.ts';
import { loadCart, unavailableReason } from './load-cart.ts';
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

// The listing, whether it can be bought, and the buyer's cart as far as adding to it needs: one read.
const listingForCart = prepared((db) =>
  db
    .select({
      product: {
        name: products.name,
        kind: products.kind,
        stock: products.stock,
        status: products.status,
        deletedAt: products.deletedAt,
        startsAt: products.startsAt,
        endsAt: products.endsAt,
      },
      shop: { deletedAt: shops.deletedAt, bannedAt: shops.bannedAt },
      inCart: sql<number | null>`(SELECT ci.qty FROM ${cartItems} ci WHERE ci.user_id = ${sql.placeholder('userId')} AND ci.product_id = ${products.id})`,
      lines: sql<number>`(SELECT count(*)::int FROM ${cartItems} ci WHERE ci.user_id = ${sql.placeholder('userId')})`,
    })
    .from(products)
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(eq(products.id, sql.placeholder('productId')))
    .prepare('cart_listing'),
);

/** A listing the buyer may put in the cart now, with how many they already have and how many lines the cart has. */
async function buyableListing(ctx: Ctx, userId: string, productId: string) {
  const [row] = await listingForCart(ctx.db).execute({ userId, productId });
  if (!row) throw notFound('Product');
  const reason = unavailableReason(
    {
      status: row.product.status,
      deleted: row.product.deletedAt !== null,
      shopLive: row.shop.deletedAt === null && row.shop.bannedAt === null,
      kind: row.product.kind,
      startsAt: row.product.startsAt,
      endsAt: row.product.endsAt,
    },
    ctx.clock.now(),
  );
  // Hidden, pending or deleted listings look like nothing to a buyer.
  if (reason === 'no longer sold' || reason === 'not available') throw notFound('Product');
  if (reason) throw new AppError('CONFLICT', `${row.product.name} cannot be bought now: ${reason}`);
  return row;
}

function stockError(name: string, stock: number, wanted: number) {
  return new AppError(
    'VALIDATION_FAILED',
    stock === 0 ? `${name} is out of stock` : `Only ${stock} of ${name} in stock (asked for ${wanted})`,
    { fields: { qty: `must be at most ${stock}` } },
  );
}

/** Adds a listing (or more of it). The total quantity never exceeds the stock at this moment. */
export async function addToCart(ctx: Ctx, userId: string, raw: unknown): Promise<CartDto> {
  const input = parseInput(addToCartInput, raw);
  const { product, inCart, lines } = await buyableListing(ctx, userId, input.productId);
  const wanted = (inCart ?? 0) + input.qty;
  if (wanted > product.stock) throw stockError(product.name, product.stock, wanted);
  if (inCart === null && lines >= MAX_CART_LINES) throw new AppError('CONFLICT', `A cart holds at most ${MAX_CART_LINES} different items`);
  const now = ctx.clock.now();
  await ctx.db
    .insert(cartItems)
    .values({ userId, productId: input.productId, qty: input.qty, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [cartItems.userId, cartItems.productId],
      set: { qty: sql`${cartItems.qty} + ${input.qty}`, updatedAt: now },
    });
  return getCart(ctx, userId);
}

/** Sets a line's quantity; 0 removes it. */
export async function updateCartItem(ctx: Ctx, userId: string, raw: unknown): Promise<CartDto> {
  const input = parseInput(updateCartItemInput, raw);
  if (input.qty === 0) return removeCartItem(ctx, userId, input.productId);
  const { product } = await buyableListing(ctx, userId, input.productId);
  if (input.qty > product.stock) throw stockError(product.name, product.stock, input.qty);
  const now = ctx.clock.now();
  await ctx.db
    .insert(cartItems)
    .values({ userId, productId: input.productId, qty: input.qty, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [cartItems.userId, cartItems.productId], set: { qty: input.qty, updatedAt: now } });
  return getCart(ctx, userId);
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
