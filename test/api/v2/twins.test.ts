import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { PNG_DATA_URL } from '../../helpers/commerce.ts';
import { PASSWORD, uniqueEmail } from '../../helpers/factories.ts';
import { TestClient } from '../../helpers/http.ts';
import { linkToken } from '../../helpers/smtp.ts';
import { asV1, cartLine, productForm, SHIPPING, v2SignUpShop, v2SignUpUser } from '../../helpers/storefront.ts';

/*
 * A /api/v2 route and its /api/v1 twin call the same core function, so the same request leaves the
 * same rows. Each pair runs once per edge on fresh accounts, and the rows each run wrote (or
 * changed) are compared with the values that must differ (ids, times, emails, media URLs, hashes)
 * masked.
 */

let app: TestApp;
let pool: pg.Pool;
beforeAll(async () => {
  app = await startTestApp();
  pool = (app.core.database.client as { kind: 'postgres'; pool: pg.Pool }).pool;
}, 60_000);
afterAll(() => app?.close());

type Snapshot = Map<string, Map<string, string>>;

/** Every row of every table, by table and by id (or by its whole text where a table has no id). */
async function snapshot(): Promise<Snapshot> {
  const { rows: tables } = await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  const out: Snapshot = new Map();
  for (const { name } of tables) {
    const { rows } = await pool.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM "${name}" t`);
    out.set(name, new Map(rows.map(({ row }) => [String(row.id ?? JSON.stringify(row)), JSON.stringify(row)])));
  }
  return out;
}

const VOLATILE_KEY = /(^|_)(hash|search|fingerprint|client_secret|secret|url|public_id|session_version|last_error|attempts|claimed_until|processed_at|status_at)$/;
const ID = /^[a-z]+_[0-9A-Za-z]{8,}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE_KEY.test(k)).map(([k, v]) => [k, mask(v)]));
  if (typeof value === 'string') {
    if (ID.test(value)) return '<id>';
    if (TIME.test(value)) return '<time>';
    if (EMAIL.test(value)) return '<email>';
  }
  return value;
}

/**
 * What `run` wrote: rows new or changed since `before`, masked, sorted, by table. The outbox's rows
 * are delivered in the background, so only new ones count there, and only their topic.
 */
async function written(run: () => Promise<void>): Promise<Record<string, unknown[]>> {
  const before = await snapshot();
  await run();
  const after = await snapshot();
  const out: Record<string, unknown[]> = {};
  for (const [table, rows] of after) {
    const old = before.get(table) ?? new Map();
    const changed = [...rows].filter(([key, text]) => (table === 'outbox' ? !old.has(key) : old.get(key) !== text));
    if (!changed.length) continue;
    const masked = changed.map(([, text]) => (table === 'outbox' ? { topic: JSON.parse(text).topic } : mask(JSON.parse(text))));
    out[table] = masked.map((r) => JSON.stringify(r)).sort().map((t) => JSON.parse(t));
  }
  return out;
}

describe('an /api/v2 route and its /api/v1 twin leave the same rows', () => {
  it('sign-up and activation (create-user + activation ↔ register + activate-account)', async () => {
    const signUp = async (base: string, create: string, activate: string) => {
      const client = new TestClient(`${app.url}${base}`);
      const email = uniqueEmail('twin');
      return written(async () => {
        const res = await client.post(create, { name: 'Twin Buyer', email, password: PASSWORD, avatar: PNG_DATA_URL });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
        expect((await client.post(activate, { activation_token: linkToken(mail) })).status).toBe(201);
      });
    };
    const v1 = await signUp('/api/v1', '/user/register', '/user/activate-account');
    const v2 = await signUp('/api/v2', '/user/create-user', '/user/activation');
    expect(v1.users).toHaveLength(1);
    expect(v2).toEqual(v1);
  });

  it('product create (create-product ↔ POST /product)', async () => {
    const seller = await v2SignUpShop(app);
    const form = productForm(seller.seller._id, { name: 'Twin lamp' });
    const v1 = await written(async () => {
      expect((await asV1(app, seller.client).post('/product', form)).status).toBe(201);
    });
    const v2 = await written(async () => {
      expect((await seller.client.post('/product/create-product', form)).status).toBe(201);
    });
    expect(v1.products).toHaveLength(1);
    expect(v2).toEqual(v1);
  });

  it('cash-on-delivery checkout (create-order with the browser cart ↔ add-to-cart + create-order)', async () => {
    const seller = await v2SignUpShop(app);
    const listed = async () => {
      const res = await seller.client.post('/product/create-product', productForm(seller.seller._id, { name: 'Twin order lamp' }));
      return res.body.product as Record<string, any>;
    };
    const [p1, p2] = [await listed(), await listed()];
    const [b1, b2] = [await v2SignUpUser(app), await v2SignUpUser(app)];
    const v1 = await written(async () => {
      const buyer = asV1(app, b1.client);
      expect((await buyer.post('/cart/add-to-cart', { productId: p1._id, qty: 2 })).status).toBe(200);
      const res = await buyer.post('/order/create-order', { shippingAddress: SHIPPING, paymentInfo: { type: 'Cash On Delivery' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    });
    const v2 = await written(async () => {
      const res = await b2.client.post('/order/create-order', {
        cart: [cartLine(p2, 2)],
        shippingAddress: SHIPPING,
        user: b2.user,
        totalPrice: 60,
        paymentInfo: { type: 'Cash On Delivery' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    });
    expect(v1.orders).toHaveLength(1);
    expect(v1.checkouts).toHaveLength(1);
    expect(v2).toEqual(v1);
  });

  it('the mask keeps what matters: a different quantity is a different set of rows', async () => {
    const seller = await v2SignUpShop(app);
    const p = (await seller.client.post('/product/create-product', productForm(seller.seller._id))).body.product;
    const q = (await seller.client.post('/product/create-product', productForm(seller.seller._id))).body.product;
    const [b1, b2] = [await v2SignUpUser(app), await v2SignUpUser(app)];
    const order = (buyer: TestClient, product: Record<string, any>, qty: number) =>
      written(async () => {
        const res = await buyer.post('/order/create-order', { cart: [cartLine(product, qty)], shippingAddress: SHIPPING, paymentInfo: { type: 'Cash On Delivery' } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      });
    expect(await order(b1.client, p, 1)).not.toEqual(await order(b2.client, q, 2));
  });
});
