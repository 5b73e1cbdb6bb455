import { and, asc, eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { cartItems } from '../db/schema/commerce.ts';
import { products, shops, type Image } from '../db/schema/index.ts';

export interface CartRow {
  productId: string;
  qty: number;
  name: string;
  kind: 'product' | 'event';
  image: Image | null;
  priceMinor: number;
  stock: number;
  status: string;
  deleted: boolean;
  startsAt: Date | null;
  endsAt: Date | null;
  shopId: string;
  shopName: string;
  shopAvatar: Image | null;
  shopLive: boolean;
  shippingFeeMinor: number;
  feeBps: number | null;
}

/** The buyer's cart lines joined with the listing and shop as they are right now. */
export async function loadCart(ctx: Ctx, userId: string): Promise<CartRow[]> {
  const rows = await ctx.db
    .select({ item: cartItems, product: products, shop: shops })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(and(eq(cartItems.userId, userId)))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.productId));
  return rows.map(({ item, product, shop }) => ({
    productId: product.id,
    qty: item.qty,
    name: product.name,
    kind: product.kind,
    image: product.images[0] ?? null,
    priceMinor: product.priceMinor,
    stock: product.stock,
    status: product.status,
    deleted: product.deletedAt !== null,
    startsAt: product.startsAt,
    endsAt: product.endsAt,
    shopId: shop.id,
    shopName: shop.name,
    shopAvatar: shop.avatar,
    shopLive: shop.deletedAt === null && shop.bannedAt === null,
    shippingFeeMinor: shop.shippingFeeMinor,
    feeBps: shop.feeBps,
  }));
}

/** Why a listing cannot be bought right now, or undefined when it can. */
export function unavailableReason(
  row: Pick<CartRow, 'status' | 'deleted' | 'shopLive' | 'kind' | 'startsAt' | 'endsAt'>,
  now: Date,
): string | undefined {
  if (row.deleted || !row.shopLive) return 'no longer sold';
  if (row.status !== 'active') return 'not available';
  if (row.kind === 'event') {
    if (row.startsAt && now < row.startsAt) return 'event has not started';
    if (row.endsAt && now >= row.endsAt) return 'event has ended';
  }
  return undefined;
}
