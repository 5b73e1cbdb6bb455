import { asc, eq, sql } from 'drizzle-orm';
import { prepared } from '../db/prepared.ts';
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

// Read on every cart change and checkout: prepared once, planned once per connection.
const cartOf = prepared((db) =>
  db
    .select({
      item: { qty: cartItems.qty },
      product: {
        id: products.id,
        name: products.name,
        kind: products.kind,
        images: products.images,
        priceMinor: products.priceMinor,
        stock: products.stock,
        status: products.status,
        deletedAt: products.deletedAt,
        startsAt: products.startsAt,
        endsAt: products.endsAt,
      },
      shop: {
        id: shops.id,
        name: shops.name,
        avatar: shops.avatar,
        deletedAt: shops.deletedAt,
        bannedAt: shops.bannedAt,
        shippingFeeMinor: shops.shippingFeeMinor,
        feeBps: shops.feeBps,
      },
    })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(eq(cartItems.userId, sql.placeholder('userId')))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.productId))
    .prepare('cart_of_user'),
);

/** The buyer's cart lines joined with the listing and shop as they are right now. */
export async function loadCart(ctx: Ctx, userId: string): Promise<CartRow[]> {
  const rows = await cartOf(ctx.db).execute({ userId });
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
