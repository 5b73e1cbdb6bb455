import { sql, type SQLWrapper } from 'drizzle-orm';
import { jsonTime } from '../db/json-rows.ts';
import { namedStatement } from '../db/prepared.ts';
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

/*
 * A cart line as one JSON object (`lineJson`), its dates as ISO text: read as twenty-odd columns a row
 * through drizzle's mapping, pg decoded every column's description and value on each execution, on
 * every add-to-cart and create-order. The statements below name the cart line `ci`, the listing `p`,
 * its stock row `st` and its shop `sh`; `qty` is the line's (null for a listing not in the cart).
 */
type CartLineJson = Omit<CartRow, 'qty' | 'startsAt' | 'endsAt'> & { qty: number | null; startsAt: string | null; endsAt: string | null };
const lineJson = sql`json_build_object('productId', p.id, 'qty', ci.qty, 'name', p.name, 'kind', p.kind,
  'image', p.images->0, 'priceMinor', p.price_minor, 'stock', st.stock, 'status', p.status,
  'deleted', p.deleted_at IS NOT NULL, 'startsAt', p.starts_at, 'endsAt', p.ends_at, 'shopId', sh.id,
  'shopName', sh.name, 'shopAvatar', sh.avatar, 'shopLive', sh.deleted_at IS NULL AND sh.banned_at IS NULL,
  'shippingFeeMinor', sh.shipping_fee_minor, 'feeBps', sh.fee_bps)`;
const linesFrom = sql`FROM ${products} p JOIN ${productStock} st ON st.product_id = p.id JOIN ${shops} sh ON sh.id = p.shop_id`;

const toCartRow = (l: CartLineJson, qty: number): CartRow => ({
  ...l,
  qty,
  startsAt: jsonTime(l.startsAt),
  endsAt: jsonTime(l.endsAt),
});

// Read on every cart view and card checkout: prepared once, planned once per connection.
const cartOf = namedStatement<{ lines: (CartLineJson & { qty: number })[] }>(
  sql`SELECT coalesce(json_agg(${lineJson} ORDER BY ci.created_at, ci.product_id), '[]') AS lines
      ${linesFrom} JOIN ${cartItems} ci ON ci.product_id = p.id
      WHERE ci.user_id = ${sql.placeholder('userId')}`,
);

/** The buyer's cart lines joined with the listing and shop as they are right now. */
export async function loadCart(ctx: Ctx, userId: string): Promise<CartRow[]> {
  const [read] = await cartOf(ctx.db, { userId });
  return read!.lines.map((l) => toCartRow(l, l.qty));
}

export interface CartWithListing {
  /** The listing as a cart row (qty: what the cart holds of it, 0 when none), or undefined when it does not exist. */
  listing: CartRow | undefined;
  /** The cart's lines as they were read (before a cart change's write), in cart order. */
  lines: CartRow[];
}

function cartWithListing(read: CartLineJson[], productId: string): CartWithListing {
  const found = read.find((l) => l.productId === productId);
  return {
    listing: found && toCartRow(found, found.qty ?? 0),
    lines: read.flatMap((l) => (l.qty === null ? [] : [toCartRow(l, l.qty)])),
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
// before the write, in one statement: one round trip, one commit. An aggregate answers one row.
const lineWrittenWithCart = namedStatement<{ held: number | null; lines: CartLineJson[] }>(
  sql`WITH written AS (${lineWrite})
      SELECT (SELECT qty FROM written) AS held, coalesce(json_agg(${lineJson} ORDER BY ci.created_at, p.id), '[]') AS lines
      ${linesFrom}
      LEFT JOIN ${cartItems} ci ON ci.user_id = ${sql.placeholder('userId')} AND ci.product_id = p.id
      WHERE p.id = ANY(array_append(ARRAY(SELECT c.product_id FROM ${cartItems} c WHERE c.user_id = ${sql.placeholder('userId')}),
        ${sql.placeholder('productId')}::text))`,
);

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
  const [read] = await lineWrittenWithCart(ctx.db, { userId, productId, qty, set, maxLines, now: ctx.clock.now().toISOString() });
  return { ...cartWithListing(read!.lines, productId), held: read!.held };
}

/** A cart about to become a cash order: its lines, each shop's address for the new-order email, and the buyer. */
export interface CartForOrder {
  lines: CartRow[];
  shops: Map<string, { name: string; email: string }>;
  buyer: { name: string; email: string; phoneNumber: string | null } | undefined;
}

// Read by every cash create-order: prepared once, planned once per connection.
const cartForOrderOf = namedStatement<{
  lines: { line: CartLineJson & { qty: number }; shopEmail: string }[];
  buyer: { name: string; email: string; phoneNumber: string | null } | null;
}>(
  sql`SELECT coalesce(json_agg(json_build_object('line', ${lineJson}, 'shopEmail', sh.email) ORDER BY ci.created_at, ci.product_id), '[]') AS lines,
        (SELECT json_build_object('name', u.name, 'email', u.email, 'phoneNumber', u.phone_number)
         FROM ${users} u WHERE u.id = ${sql.placeholder('userId')}) AS buyer
      ${linesFrom} JOIN ${cartItems} ci ON ci.product_id = p.id
      WHERE ci.user_id = ${sql.placeholder('userId')}`,
);

/**
 * The buyer's cart priced from the listings as they are now, for a cash order. Nothing is locked:
 * the order's write takes the lines out of the cart only as they were read (`cartLinesTaken`).
 */
export async function loadCartForOrder(ctx: Ctx, userId: string): Promise<CartForOrder> {
  const [read] = await cartForOrderOf(ctx.db, { userId });
  const { lines, buyer } = read!;
  return {
    lines: lines.map(({ line }) => toCartRow(line, line.qty)),
    shops: new Map(lines.map(({ line, shopEmail }) => [line.shopId, { name: line.shopName, email: shopEmail }])),
    buyer: lines.length > 0 && buyer ? buyer : undefined,
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
