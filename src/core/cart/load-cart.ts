import { and, asc, eq, sql, type SQLWrapper } from 'drizzle-orm';
import { prepared } from '../db/prepared.ts';
import type { Ctx } from '../context.ts';
import { shopIsLive } from '../catalog/listings.ts';
import { cartItems } from '../db/schema/commerce.ts';
import { products, productStock, shops, users, type Image } from '../db/schema/index.ts';

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

// The listing and shop columns a cart line is priced from.
const lineColumns = {
  product: {
    id: products.id,
    name: products.name,
    kind: products.kind,
    images: products.images,
    priceMinor: products.priceMinor,
    stock: productStock.stock,
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
};
function toCartRow(qty: number, { product, shop }: LineRecord): CartRow {
  return {
    productId: product.id,
    qty,
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
  };
}

// Read on every cart view and card checkout: prepared once, planned once per connection.
const cartOf = prepared((db) =>
  db
    .select({ qty: cartItems.qty, ...lineColumns })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .innerJoin(productStock, eq(productStock.productId, products.id))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(eq(cartItems.userId, sql.placeholder('userId')))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.productId))
    .prepare('cart_of_user'),
);

type LineRecord = Pick<Awaited<ReturnType<ReturnType<typeof cartOf>['execute']>>[number], 'product' | 'shop'>;

/** The buyer's cart lines joined with the listing and shop as they are right now. */
export async function loadCart(ctx: Ctx, userId: string): Promise<CartRow[]> {
  const rows = await cartOf(ctx.db).execute({ userId });
  return rows.map((r) => toCartRow(r.qty, r));
}

export interface CartWithListing {
  /** The listing as a cart row (qty: what the cart holds of it, 0 when none), or undefined when it does not exist. */
  listing: CartRow | undefined;
  /** The cart's lines as they were read (before a cart change's write), in cart order. */
  lines: CartRow[];
}

function cartWithListing(rows: (LineRecord & { qty: number | null })[], productId: string): CartWithListing {
  const found = rows.find((r) => r.product.id === productId);
  return {
    listing: found && toCartRow(found.qty ?? 0, found),
    lines: rows.flatMap((r) => (r.qty === null ? [] : [toCartRow(r.qty, r)])),
  };
}

/**
 * A cart change's write (add-to-cart adds `qty`, an update sets the line to it), taken only when
 * the buyer may hold that now: the listing is on sale (active, not deleted, its shop live, an event
 * inside its window), the line's new quantity is within its stock, and a listing new to the cart
 * finds fewer than `maxLines` lines. A line that another request wrote meanwhile changes only while
 * it stays within the stock. `unavailableReason` and the cart's use cases say the same in
 * JavaScript, to explain a refusal.
 */
const lineWrite = sql`INSERT INTO cart_items (user_id, product_id, qty, created_at, updated_at)
    SELECT ${sql.placeholder('userId')}::text, p.id, ${sql.placeholder('qty')}::int, ${sql.placeholder('now')}::timestamptz, ${sql.placeholder('now')}::timestamptz
    FROM products p
    JOIN product_stock s ON s.product_id = p.id
    JOIN ${shops} ON ${shops.id} = p.shop_id
    LEFT JOIN cart_items cur ON cur.user_id = ${sql.placeholder('userId')}::text AND cur.product_id = p.id
    WHERE p.id = ${sql.placeholder('productId')}::text
      AND p.status = 'active' AND p.deleted_at IS NULL AND ${shopIsLive}
      AND (p.kind <> 'event' OR (p.starts_at <= ${sql.placeholder('now')}::timestamptz AND ${sql.placeholder('now')}::timestamptz < p.ends_at))
      AND CASE WHEN ${sql.placeholder('set')}::boolean THEN 0 ELSE coalesce(cur.qty, 0) END + ${sql.placeholder('qty')}::int <= s.stock
      AND (cur.qty IS NOT NULL OR (SELECT count(*) FROM cart_items c WHERE c.user_id = ${sql.placeholder('userId')}::text) < ${sql.placeholder('maxLines')}::int)
    ON CONFLICT (user_id, product_id) DO UPDATE
      SET qty = CASE WHEN ${sql.placeholder('set')}::boolean THEN 0 ELSE cart_items.qty END + excluded.qty, updated_at = excluded.updated_at
      WHERE CASE WHEN ${sql.placeholder('set')}::boolean THEN 0 ELSE cart_items.qty END + excluded.qty <= (SELECT stock FROM product_stock WHERE product_id = excluded.product_id)
  RETURNING qty`;

// Every cart change runs it: the guarded write, and the cart's lines plus the listing when it is
// not in the cart yet (its qty null, ordered last, as a new line would be), read as they were
// before the write, in one statement: one round trip, one commit.
const lineWrittenWithCartOf = prepared((db) => {
  const written = db.$with('written', {}).as(lineWrite);
  return db
    .with(written)
    .select({ qty: cartItems.qty, ...lineColumns, held: sql<number | null>`(SELECT qty FROM written)` })
    .from(products)
    .innerJoin(productStock, eq(productStock.productId, products.id))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .leftJoin(cartItems, and(eq(cartItems.userId, sql.placeholder('userId')), eq(cartItems.productId, products.id)))
    .where(
      sql`${products.id} = ANY(array_append(ARRAY(SELECT ci.product_id FROM ${cartItems} ci WHERE ci.user_id = ${sql.placeholder('userId')}), ${sql.placeholder('productId')}::text))`,
    )
    .orderBy(asc(cartItems.createdAt), asc(products.id))
    .prepare('cart_write_line');
});

/**
 * Adds `qty` of a listing to the cart (`set`: makes the line hold `qty`) when the buyer may (see
 * `lineWrite`), and reads the cart and the listing as they were before, in one statement. `held` is
 * the line's quantity now, or null when nothing was written.
 */
export async function writeLineReadingCart(
  ctx: Ctx,
  input: { userId: string; productId: string; qty: number; set: boolean; maxLines: number },
): Promise<CartWithListing & { held: number | null }> {
  const { userId, productId, qty, set, maxLines } = input;
  const rows = await lineWrittenWithCartOf(ctx.db).execute({ userId, productId, qty, set, maxLines, now: ctx.clock.now().toISOString() });
  return { ...cartWithListing(rows, productId), held: rows[0]?.held ?? null };
}

/** A cart about to become a cash order: its lines, each shop's address for the new-order email, and the buyer. */
export interface CartForOrder {
  lines: CartRow[];
  shops: Map<string, { name: string; email: string }>;
  buyer: { name: string; email: string; phoneNumber: string | null } | undefined;
}

// Read by every cash create-order: prepared once, planned once per connection.
const cartForOrderOf = prepared((db) =>
  db
    .select({
      qty: cartItems.qty,
      ...lineColumns,
      shopEmail: shops.email,
      buyer: { name: users.name, email: users.email, phoneNumber: users.phoneNumber },
    })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .innerJoin(productStock, eq(productStock.productId, products.id))
    .innerJoin(shops, eq(shops.id, products.shopId))
    .innerJoin(users, eq(users.id, cartItems.userId))
    .where(eq(cartItems.userId, sql.placeholder('userId')))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.productId))
    .prepare('cart_for_order'),
);

/**
 * The buyer's cart priced from the listings as they are now, for a cash order. Nothing is locked:
 * the order's write takes the lines out of the cart only as they were read (`cartLinesTaken`).
 */
export async function loadCartForOrder(ctx: Ctx, userId: string): Promise<CartForOrder> {
  const rows = await cartForOrderOf(ctx.db).execute({ userId });
  return {
    lines: rows.map((r) => toCartRow(r.qty, r)),
    shops: new Map(rows.map((r) => [r.shop.id, { name: r.shop.name, email: r.shopEmail }])),
    buyer: rows[0]?.buyer,
  };
}

/**
 * Deletes the buyer's cart lines that still hold exactly what was read (`read`, from cartLinesRead), returning one row
 * for each, for the statement that writes the order: fewer rows than lines means the cart changed
 * since it was read (another create-order took it, a quantity changed), and that statement refuses.
 * Lines added since stay in the cart. Two create-orders at once cannot both take a line: the second
 * waits on the first's row lock and then finds it gone.
 */
export function cartLinesTaken(userId: string | SQLWrapper, read: string | SQLWrapper) {
  return sql`DELETE FROM ${cartItems} USING jsonb_to_recordset(${read}::jsonb) AS r(id text, qty int)
    WHERE ${cartItems.userId} = ${userId} AND ${cartItems.productId} = r.id AND ${cartItems.qty} = r.qty RETURNING r.id`;
}

/** The lines as read, in the JSON `cartLinesTaken` compares the cart with. */
export const cartLinesRead = (lines: Pick<CartRow, 'productId' | 'qty'>[]) => JSON.stringify(lines.map((l) => ({ id: l.productId, qty: l.qty })));

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
