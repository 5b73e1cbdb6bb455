/**
 * Reference: a cash-on-delivery checkout as one raw SQL transaction through a `pg` Pool (size 20, the
 * API's default), no ORM, no session, no server cart. POST /checkout `{ userId, productIds: [a, b], shippingAddress }`:
 *
 *   BEGIN
 *   UPDATE product_stock SET stock = stock - 1, sold_count = sold_count + 1 FROM products … WHERE product_id = $1 AND stock >= 1 RETURNING …
 *     (once per line, in id order like mvshop's finalize, so two buyers never lock in opposite orders)
 *   INSERT checkouts      (one row: orders.checkout_id is a NOT NULL foreign key)
 *   INSERT orders         (one row, for the first line's shop)
 *   INSERT order_lines    (two rows, one statement)
 *   INSERT ledger_journals (one row: ledger_entries.journal_id is a NOT NULL foreign key)
 *   INSERT ledger_entries (two rows, one statement: clearing −total, the shop's pending +total)
 *   COMMIT
 *
 * 201 with the order; 409 (rolled back) when a line is out of stock.
 *
 * The same checkout in the buyer flow's shape, three requests and three commits, as a floor for what
 * that shape costs (not a reference any goal is measured against):
 *   POST /cart  `{ userId, productId }`   one cart_items upsert (qty + 1), its own commit; 200
 *   POST /order `{ userId, shippingAddress }`   BEGIN, DELETE the buyer's cart_items RETURNING the
 *     product ids, then the transaction above from its UPDATEs on; 201, or 409 (rolled back) unless the
 *     cart held two lines of one unit each, the only cart the flow builds and the order above writes.
 *   POST /cart/clear `{ userId }`   deletes the buyer's cart_items, after a failed flow; 200
 */
import express from 'express';
import pg from 'pg';
import { monotonicFactory } from 'ulid';
import { listen, serveUntilParentLeaves } from './child.mjs';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString, max: 20 });
pool.on('error', () => undefined);

const ulid = monotonicFactory();
const id = (prefix: string) => `${prefix}_${ulid().toLowerCase()}`;
const FEE_BPS = 1000;
const CURRENCY = 'usd';

interface Taken {
  id: string;
  shop_id: string;
  name: string;
  price_minor: string;
}

const app = express();
app.disable('x-powered-by');
app.use(express.json());
type Res = express.Response;

/** Takes stock for each product, writes the order, commits; rolls back and answers 409 when a line is out of stock. */
async function placeOrder(client: pg.PoolClient, res: Res, userId: string, productIds: string[], shippingAddress: unknown): Promise<void> {
  const lines: Taken[] = [];
  for (const productId of [...productIds].sort()) {
    const { rows } = await client.query<Taken>(
      `UPDATE product_stock s SET stock = s.stock - 1, sold_count = s.sold_count + 1 FROM products p
       WHERE s.product_id = $1 AND p.id = s.product_id AND s.stock >= 1 AND p.status = 'active' AND p.deleted_at IS NULL
       RETURNING p.id, p.shop_id, p.name, p.price_minor`,
      [productId],
    );
    if (rows.length === 0) {
      await client.query('ROLLBACK');
      res.status(409).json({ success: false, message: `Out of stock: ${productId}` });
      return;
    }
    lines.push(rows[0]!);
  }
  const total = lines.reduce((a, l) => a + Number(l.price_minor), 0);
  const fee = Math.floor((total * FEE_BPS + 5000) / 10000);
  const shopId = lines[0]!.shop_id;
  const checkoutId = id('chk');
  const orderId = id('ord');
  const journalId = id('jrn');
  const address = JSON.stringify(shippingAddress);
  await client.query(
    `INSERT INTO checkouts (id, user_id, status, payment_type, amount_minor, currency, shipping_address, snapshot, fingerprint, completed_at)
     VALUES ($1, $2, 'completed', 'Cash On Delivery', $3, $4, $5, $6, $7, now())`,
    [checkoutId, userId, total, CURRENCY, address, JSON.stringify({ totalMinor: total, lines: lines.map((l) => l.id) }), checkoutId],
  );
  await client.query(
    `INSERT INTO orders (id, checkout_id, user_id, shop_id, status, payment_type, payment_status, currency, subtotal_minor,
                         discount_minor, shipping_minor, total_minor, platform_fee_minor, fee_bps, shipping_address, buyer)
     VALUES ($1, $2, $3, $4, 'Processing', 'Cash On Delivery', 'pending', $5, $6, 0, 0, $6, $7, $8, $9, $10)`,
    [orderId, checkoutId, userId, shopId, CURRENCY, total, fee, FEE_BPS, address, JSON.stringify({ name: '', email: '', phoneNumber: null })],
  );
  await client.query(
    `INSERT INTO order_lines (id, order_id, product_id, name, unit_price_minor, qty) VALUES ($1, $2, $3, $4, $5, 1), ($6, $2, $7, $8, $9, 1)`,
    [id('oln'), orderId, lines[0]!.id, lines[0]!.name, lines[0]!.price_minor, id('oln'), lines[1]!.id, lines[1]!.name, lines[1]!.price_minor],
  );
  await client.query(`INSERT INTO ledger_journals (id, kind, ref) VALUES ($1, 'order-placed', $2)`, [journalId, orderId]);
  await client.query(
    `INSERT INTO ledger_entries (id, journal_id, account, amount_minor, currency) VALUES ($1, $2, 'platform:clearing', $3, $4), ($5, $2, $6, $7, $4)`,
    [id('ent'), journalId, -total, CURRENCY, id('ent'), `shop:${shopId}:pending`, total],
  );
  await client.query('COMMIT');
  res.status(201).json({ success: true, order: { id: orderId, checkoutId, totalMinor: total, lines: lines.map((l) => ({ productId: l.id, name: l.name })) } });
}

/** Runs `work` on a pooled connection inside BEGIN; a thrown error rolls back and answers 500. */
async function inTransaction(res: Res, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    res.status(500).json({ success: false, message: (err as Error).message });
  } finally {
    client.release();
  }
}

app.post('/checkout', async (req, res) => {
  const { userId, productIds, shippingAddress } = req.body as { userId: string; productIds: string[]; shippingAddress: unknown };
  await inTransaction(res, (client) => placeOrder(client, res, userId, productIds, shippingAddress));
});

app.post('/cart', async (req, res) => {
  const { userId, productId } = req.body as { userId: string; productId: string };
  const { rows } = await pool.query<{ qty: number }>(
    `INSERT INTO cart_items (user_id, product_id, qty, created_at, updated_at) VALUES ($1, $2, 1, now(), now())
     ON CONFLICT (user_id, product_id) DO UPDATE SET qty = cart_items.qty + 1, updated_at = now() RETURNING qty`,
    [userId, productId],
  );
  res.json({ success: true, qty: rows[0]!.qty });
});

app.post('/order', async (req, res) => {
  const { userId, shippingAddress } = req.body as { userId: string; shippingAddress: unknown };
  await inTransaction(res, async (client) => {
    const { rows } = await client.query<{ product_id: string; qty: number }>(
      'DELETE FROM cart_items WHERE user_id = $1 RETURNING product_id, qty',
      [userId],
    );
    if (rows.length !== 2 || rows.some((r) => r.qty !== 1)) {
      await client.query('ROLLBACK');
      res.status(409).json({ success: false, message: `The cart must hold two lines of one unit each, it holds ${rows.length} line(s)` });
      return;
    }
    await placeOrder(client, res, userId, rows.map((r) => r.product_id), shippingAddress);
  });
});

app.post('/cart/clear', async (req, res) => {
  const { userId } = req.body as { userId: string };
  await pool.query('DELETE FROM cart_items WHERE user_id = $1', [userId]);
  res.json({ success: true });
});

const server = await listen(app);
serveUntilParentLeaves(server, () => pool.end());
