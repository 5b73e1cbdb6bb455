import pg from 'pg';

/**
 * Stock bookkeeping around a checkout row: a snapshot of the row's products, their order lines and
 * the order and checkout counts before the load, another after, and the differences checked against
 * the flows the load generator saw succeed.
 */

export interface StockSnapshot {
  products: Map<string, { stock: number; sold: number }>;
  /** SUM(order_lines.qty) per product. */
  lineQty: Map<string, number>;
  orders: number;
  checkouts: number;
  /** Products anywhere in the table with stock < 0 (the CHECK constraint should make this 0). */
  negative: number;
}

export interface CheckResult {
  ok: boolean;
  /** Units in new order lines that no stock decrement covered, plus units below zero stock. */
  oversold: number;
  negativeStock: number;
  /** Products whose sold_count rise, stock fall and new order-line units are not all equal. */
  mismatched: number;
  unitsInLines: number;
  unitsSold: number;
  stockTaken: number;
  orders: { found: number; expected: number };
  checkouts: { found: number; expected: number };
  problems: string[];
}

export async function snapshot(client: pg.Client, productIds: string[]): Promise<StockSnapshot> {
  // One client, so one query at a time (pg deprecates queuing queries on a busy client).
  const p = await client.query<{ id: string; stock: number; sold_count: number }>(
    'SELECT product_id AS id, stock, sold_count FROM product_stock WHERE product_id = ANY($1::text[])',
    [productIds],
  );
  const l = await client.query<{ product_id: string; qty: string }>(
    'SELECT product_id, SUM(qty)::bigint AS qty FROM order_lines WHERE product_id = ANY($1::text[]) GROUP BY product_id',
    [productIds],
  );
  const o = await client.query<{ n: string }>('SELECT count(*) AS n FROM orders');
  const c = await client.query<{ n: string }>('SELECT count(*) AS n FROM checkouts');
  const n = await client.query<{ n: string }>('SELECT count(*) AS n FROM product_stock WHERE stock < 0');
  return {
    products: new Map(p.rows.map((r) => [r.id, { stock: r.stock, sold: r.sold_count }])),
    lineQty: new Map(l.rows.map((r) => [r.product_id, Number(r.qty)])),
    orders: Number(o.rows[0]!.n),
    checkouts: Number(c.rows[0]!.n),
    negative: Number(n.rows[0]!.n),
  };
}

/** `flows` successful flows ran between the snapshots, each writing `ordersPerFlow` orders and `checkoutsPerFlow` checkouts. */
export function compareSnapshots(
  before: StockSnapshot,
  after: StockSnapshot,
  flows: number,
  perFlow: { orders: number; checkouts: number },
): CheckResult {
  let oversold = 0;
  let mismatched = 0;
  let unitsInLines = 0;
  let unitsSold = 0;
  let stockTaken = 0;
  let negativeStock = after.negative;
  for (const [id, a] of after.products) {
    const b = before.products.get(id) ?? a;
    const lines = (after.lineQty.get(id) ?? 0) - (before.lineQty.get(id) ?? 0);
    const sold = a.sold - b.sold;
    const taken = b.stock - a.stock;
    unitsInLines += lines;
    unitsSold += sold;
    stockTaken += taken;
    if (lines !== sold || sold !== taken) mismatched++;
    oversold += Math.max(0, lines - taken) + Math.max(0, -a.stock);
    if (a.stock < 0) negativeStock = Math.max(negativeStock, 1);
  }
  const orders = { found: after.orders - before.orders, expected: flows * perFlow.orders };
  const checkouts = { found: after.checkouts - before.checkouts, expected: flows * perFlow.checkouts };
  const problems: string[] = [];
  if (oversold > 0) problems.push(`${oversold} units oversold`);
  if (negativeStock > 0) problems.push(`${negativeStock} products with negative stock`);
  if (mismatched > 0) problems.push(`${mismatched} products where sold_count, stock and order lines disagree (lines ${unitsInLines}, sold ${unitsSold}, stock taken ${stockTaken})`);
  if (orders.found !== orders.expected) problems.push(`${orders.found} orders written, expected ${orders.expected}`);
  if (checkouts.found !== checkouts.expected) problems.push(`${checkouts.found} checkouts written, expected ${checkouts.expected}`);
  return { ok: problems.length === 0, oversold, negativeStock, mismatched, unitsInLines, unitsSold, stockTaken, orders, checkouts, problems };
}
