import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { actorLabel } from '../context.ts';
import { checkouts, orderEvents, orderLines, orders, payments, type BuyerSnapshot } from '../db/schema/commerce.ts';
import { outbox, products, productStock } from '../db/schema/index.ts';
import { emailItems, type QueuedEmail } from '../mail/index.ts';
import { toOrderDto, type OrderDto } from '../orders/index.ts';
import { outboxRows } from '../outbox/index.ts';
import { jsonRows, type JsonRows } from '../db/json-rows.ts';
import { shapedStatement } from '../db/prepared.ts';
import { refusalOf, refuseWrite } from '../db/refusal.ts';
import { onCommit } from '../db/tx.ts';
import { cartLinesRead, cartLinesTaken, type CartRow } from '../cart/index.ts';
import { catalogChanged } from '../catalog/catalog-version.ts';
import { couponGone, couponUses } from '../coupons/index.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { feeFromBps, formatMinor } from '../shared/money.ts';

type Checkout = typeof checkouts.$inferSelect;
type Part = Checkout['snapshot']['shops'][number];

/** Thrown when a line's stock is gone; nothing of the checkout's writes is kept. */
export class OutOfStockError extends AppError {
  constructor(readonly lines: { productId: string; name: string }[]) {
    super('CONFLICT', `Out of stock: ${lines.map((l) => l.name).join(', ')}`, { outOfStock: lines });
  }
}

/** Thrown when the cart changed between its reading and the statement that takes it; nothing was written. */
export class CartChangedError extends AppError {
  constructor() {
    super('CONFLICT', 'Your cart changed while the order was being placed; nothing was ordered, please try again', { retryable: true });
  }
}

const CART_CHANGED = 'cart-changed';
const OUT_OF_STOCK = 'out-of-stock';
const COUPON_GONE = 'coupon-gone';

/** The answer for a write statement one of whose guards refused it, or undefined for any other error. */
function refusalError(err: unknown, lines: { productId: string; name: string }[]): AppError | undefined {
  const refusal = refusalOf(err);
  if (refusal?.reason === CART_CHANGED) return new CartChangedError();
  if (refusal?.reason === COUPON_GONE) return couponGone();
  if (refusal?.reason === OUT_OF_STOCK) {
    const took = new Set(refusal.detail.split(','));
    return new OutOfStockError(lines.filter((l) => !took.has(l.productId)).map(({ productId, name }) => ({ productId, name })));
  }
  return undefined;
}

export interface OrdersToWrite {
  checkout: Pick<Checkout, 'id' | 'userId' | 'paymentType' | 'paymentIntentId' | 'amountMinor' | 'currency' | 'shippingAddress' | 'snapshot'>;
  /**
   * How the checkout row ends up completed, with the rest: inserted whole (cash: `jsonRows` of the row),
   * or its open row marked completed at `completedAt` (card).
   */
  completeCheckout: { insert: JsonRows } | { completedAt: Date };
  /** Undefined when the buyer's account is gone (a late webhook): the orders are still made, without emails to them. */
  buyer: BuyerSnapshot | undefined;
  shops: ReadonlyMap<string, { name: string; email: string }>;
  /**
   * The cart lines the orders are made of, taken out of the buyer's cart by the same statement, only
   * as they were read (`cartLinesTaken`); when the cart changed since, it throws CartChangedError.
   */
  cart?: { userId: string; lines: Pick<CartRow, 'productId' | 'qty'>[] };
}

export interface WrittenOrders {
  parts: { part: Part; orderId: string; fee: { fee: number; net: number } }[];
  /** The orders as written, in snapshot order (which is id order: ids are made in that order). */
  orders: OrderDto[];
}

/**
 * Writes a checkout's orders, one per shop, and takes their stock, in one statement: the cart lines
 * (when given), the checkout's completion, the payment, the orders, their lines and first history
 * rows, the emails to the buyer and each seller (outbox), each line's quantity off its listing's
 * stock, and one use of each coupon. When a listing's stock is gone (OutOfStockError), a coupon is
 * used up or the cart changed (CartChangedError), the statement refuses and writes nothing, so it
 * is also a whole checkout outside a transaction: it commits on its own, and the listings' stock rows
 * are locked only until that commit, with no round trip to this process in between. The rows are
 * built here, so the orders are answered from them without reading them back.
 */
export async function writeOrders(ctx: Ctx, w: OrdersToWrite): Promise<WrittenOrders> {
  const { checkout } = w;
  const card = checkout.paymentType === 'Credit Card';
  const now = ctx.clock.now();
  const paymentStatus = card ? ('succeeded' as const) : ('pending' as const);
  const buyer: BuyerSnapshot = { name: w.buyer?.name ?? '', email: w.buyer?.email ?? '', phoneNumber: w.buyer?.phoneNumber ?? null };
  const parts = checkout.snapshot.shops.map((part) => ({ part, orderId: newId('order'), fee: feeFromBps(part.totalMinor, part.feeBps) }));

  const orderRows: (typeof orders.$inferSelect)[] = parts.map(({ part, orderId, fee }) => ({
    id: orderId,
    checkoutId: checkout.id,
    userId: checkout.userId,
    shopId: part.shopId,
    status: 'Processing',
    paymentType: checkout.paymentType,
    paymentStatus,
    paymentIntentId: checkout.paymentIntentId,
    currency: checkout.currency,
    subtotalMinor: part.subtotalMinor,
    discountMinor: part.discountMinor,
    shippingMinor: part.shippingMinor,
    totalMinor: part.totalMinor,
    platformFeeMinor: fee.fee,
    feeBps: part.feeBps,
    couponId: part.couponId,
    shippingAddress: checkout.shippingAddress,
    buyer,
    refundReason: null,
    paidAt: card ? now : null,
    deliveredAt: null,
    refundedAt: null,
    createdAt: now,
    updatedAt: now,
  }));
  // A snapshot line is an order line's columns as priced at checkout.
  const lineRows: (typeof orderLines.$inferSelect)[] = parts.flatMap(({ part, orderId }) =>
    part.lines.map((l) => ({ id: newId('orderLine'), orderId, ...l, reviewedAt: null })),
  );

  const emails: QueuedEmail[] = [];
  for (const { part, orderId } of parts) {
    const shop = w.shops.get(part.shopId);
    if (shop)
      emails.push({
        to: shop.email,
        template: 'new-order',
        vars: { shop: shop.name, orderId, total: formatMinor(part.totalMinor), currency: checkout.currency, items: part.lines.reduce((a, l) => a + l.qty, 0) },
      });
  }
  if (w.buyer)
    emails.push({
      to: w.buyer.email,
      template: 'order-placed',
      vars: {
        name: w.buyer.name,
        orders: parts.map(({ part, orderId }) => ({ id: orderId, shop: w.shops.get(part.shopId)?.name ?? '', total: formatMinor(part.totalMinor) })),
        total: formatMinor(checkout.amountMinor),
        currency: checkout.currency,
      },
    });

  // The rows as JSON parameters; the statement around them depends only on their columns.
  const inserts: JsonRows[] = [
    jsonRows(payments, [
      {
        id: newId('payment'),
        checkoutId: checkout.id,
        provider: card ? 'stripe' : 'manual',
        paymentIntentId: checkout.paymentIntentId,
        amountMinor: checkout.amountMinor,
        currency: checkout.currency,
        status: paymentStatus,
        createdAt: now,
        updatedAt: now,
      },
    ]),
    jsonRows(orders, orderRows),
    jsonRows(orderLines, lineRows),
    jsonRows(
      orderEvents,
      parts.map(({ orderId }) => ({
        id: newId('orderEvent'),
        orderId,
        fromStatus: null,
        toStatus: 'Processing' as const,
        actor: actorLabel(ctx.actor),
        note: card ? 'paid by card' : 'cash on delivery',
        createdAt: now,
      })),
    ),
    ...(emails.length ? [jsonRows(outbox, outboxRows(now, emailItems(emails)))] : []),
  ];
  const lines = checkout.snapshot.shops.flatMap((s) => s.lines);
  const couponIds = couponIdsOf(checkout.snapshot);
  const complete = w.completeCheckout;
  const shape: WriteShape = { insertCheckout: 'insert' in complete ? complete.insert : undefined, inserts, cart: w.cart !== undefined, coupons: couponIds.length > 0 };
  const values: Record<string, unknown> = {
    stock: JSON.stringify(lines.map((l) => ({ id: l.productId, qty: l.qty })).sort((a, b) => (a.id < b.id ? -1 : 1))),
    lineCount: lines.length,
  };
  inserts.forEach((r, i) => (values[`rows${i}`] = r.json));
  if ('insert' in complete) values.checkout = complete.insert.json;
  else Object.assign(values, { checkoutId: checkout.id, completedAt: complete.completedAt.toISOString() });
  if (w.cart) Object.assign(values, { cartUser: w.cart.userId, cartRead: cartLinesRead(w.cart.lines), cartCount: w.cart.lines.length });
  if (couponIds.length) Object.assign(values, { couponIds: JSON.stringify(couponIds), couponCount: couponIds.length, now: now.toISOString() });
  let soldOut = false;
  try {
    const [result] = await writeStatement(ctx.db, shapeKeyOf(shape), () => writeSql(ctx.db, shape), values);
    soldOut = result?.sold_out === true;
  } catch (err) {
    throw refusalError(err, lines) ?? err;
  }
  // A listing that sold out shows 0 in stock on the public lists at once; other stock counts may lag.
  if (soldOut) onCommit(ctx.db, catalogChanged);

  return {
    parts,
    orders: orderRows.map((o) => toOrderDto(o, lineRows.filter((l) => l.orderId === o.id), w.shops.get(o.shopId)?.name ?? '')),
  };
}

const p = sql.placeholder;
const writeStatement = shapedStatement<{ sold_out: boolean | null }>();

/** What the write statement's text depends on; its values are placeholders filled per checkout. */
interface WriteShape {
  /** The checkout row inserted whole (cash); without it, the open row is marked completed (card). */
  insertCheckout: JsonRows | undefined;
  inserts: JsonRows[];
  cart: boolean;
  coupons: boolean;
}

/** Everything writeSql's text depends on, so that one key is one text. */
const shapeKeyOf = (s: WriteShape) =>
  [s.insertCheckout?.signature ?? 'completed', ...s.inserts.map((r) => r.signature), s.cart ? 'cart' : '', s.coupons ? 'coupons' : ''].join(' ');

/**
 * The write statement of one shape. Data-modifying WITH queries all run, to completion, as one
 * statement; foreign keys are checked at its end, so a checkout inserted here can already own the
 * orders inserted beside it. The CASE reads its subqueries in order, and each WITH query runs when
 * first read (one never read runs after the rest): the cart, then the new rows, then the listings'
 * stock, then the coupons (listings before coupons, as every checkout takes them). The stock rows,
 * which every checkout of a popular listing waits for, are then locked only for the updates, the
 * foreign key checks and the commit, not while the orders, lines and emails are written. A guard that
 * does not find every row it needs refuses the statement, so none of it is written.
 */
function writeSql(db: Db, shape: WriteShape): SQL {
  const writes: SQL[] = [
    shape.insertCheckout
      ? shape.insertCheckout.insert(p('checkout'))
      : db
          .update(checkouts)
          // As SQL, not bare: drizzle would wrap a bare placeholder in a column Param, whose Date mapping
          // then runs on the ISO string this value already is.
          .set({ status: 'completed', completedAt: sql`${p('completedAt')}`, updatedAt: sql`${p('completedAt')}` })
          .where(eq(checkouts.id, p('checkoutId')))
          .getSQL(),
    ...shape.inserts.map((r, i) => r.insert(p(`rows${i}`))),
  ];
  const ctes: [string, SQL][] = writes.map((q, i) => [`w${i}`, sql`${q} RETURNING 1`]);
  const guards: SQL[] = [];
  if (shape.cart) {
    ctes.unshift(['cart', cartLinesTaken(p('cartUser'), p('cartRead'))]);
    guards.push(sql`WHEN (SELECT count(*) FROM cart) <> ${p('cartCount')} THEN ${refuseWrite(CART_CHANGED)}`);
  }
  // Never true: it only makes the inserts run here, before the stock is taken.
  guards.push(sql`WHEN ${sql.join(
    writes.map((_, i) => sql`(SELECT count(*) FROM ${sql.identifier(`w${i}`)})`),
    sql` + `,
  )} < 0 THEN NULL`);
  ctes.push(['taken', stockTaking(db).getSQL()]);
  guards.push(sql`WHEN (SELECT count(*) FROM taken) <> ${p('lineCount')} THEN ${refuseWrite(OUT_OF_STOCK, sql`(SELECT string_agg(product_id, ',') FROM taken)`)}`);
  if (shape.coupons) {
    ctes.push(['coupons', couponUses(db, { ids: p('couponIds'), count: p('couponCount'), now: p('now') }).getSQL()]);
    guards.push(sql`WHEN (SELECT count(*) FROM coupons) <> ${p('couponCount')} THEN ${refuseWrite(COUPON_GONE)}`);
  }
  return sql`WITH ${sql.join(
    ctes.map(([name, q]) => sql`${sql.identifier(name)} AS (${q})`),
    sql`, `,
  )} SELECT CASE ${sql.join(guards, sql` `)} END AS refused, (SELECT bool_or(stock = 0) FROM taken) AS sold_out`;
}

/**
 * Takes each line's quantity from its listing's stock row, where enough is left and the listing is
 * still on sale; a listing that cannot give it takes nothing, so stock never goes negative. Only the
 * small `product_stock` row is rewritten, never the listing's wide, heavily indexed `products` row.
 * The lines go in sorted by listing id and are updated in that order: the `LIMIT` tells the planner how
 * few they are (it guesses 100 rows for any jsonb_to_recordset), so it loops over them through the
 * primary keys (EXPLAIN of the generic plan, from a catalog of 1,000 rows up) and checkouts sharing
 * listings lock them in one order. If a small table gets another plan and two checkouts deadlock,
 * PostgreSQL aborts one and it runs again (`withTxRetry`). The update takes its own row locks: a
 * separate locking subquery in this statement would lock newer row versions than its snapshot
 * updates, and deadlock. The listing's status is read, not locked: a sale and a seller's hiding of
 * the listing that commit at the same moment are ordered as if the sale came first.
 */
function stockTaking(db: Db) {
  return db
    .update(productStock)
    .set({ stock: sql`${productStock.stock} - w.qty`, soldCount: sql`${productStock.soldCount} + w.qty` })
    .from(sql`(SELECT * FROM jsonb_to_recordset(${p('stock')}::jsonb) AS r(id text, qty int) LIMIT ${p('lineCount')}) AS w JOIN ${products} ON ${products.id} = w.id`)
    .where(and(sql`${productStock.productId} = w.id`, sql`${productStock.stock} >= w.qty`, eq(products.status, 'active'), sql`${products.deletedAt} IS NULL`))
    .returning({ id: productStock.productId, stock: productStock.stock });
}

/** The coupons a checkout uses, in the fixed order finalizers lock them. */
export function couponIdsOf(snapshot: Checkout['snapshot']): string[] {
  return [...new Set(snapshot.shops.flatMap((s) => (s.couponId ? [s.couponId] : [])))].sort();
}
