import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server.ts';
import { createCore, loadConfig } from '../../src/core/index.ts';
import { searchProducts } from '../../src/core/catalog/index.ts';
import { catalogIndexStats } from '../../src/core/catalog/catalog-index.ts';
import { outbox, productStock } from '../../src/core/db/schema/index.ts';
import { addToCart, listProduct, placeCodOrder } from '../helpers/commerce.ts';
import { PASSWORD, signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { TEST_ORIGIN, TestClient } from '../helpers/http.ts';
import { linkToken, startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';

/**
 * The zero-setup default: no DATABASE_URL and no REDIS_URL, so the API runs on PGlite in memory and
 * the outbox delivers in-process. Built here from createCore + startApi because the shared harness
 * is PostgreSQL-only.
 */
let api: RunningApi;
let mail: SmtpCapture;
let dataDir: string;
let origin: string;
const client = () => new TestClient(`${origin}/api/v1`);

beforeAll(async () => {
  mail = await startSmtpCapture();
  dataDir = await mkdtemp(path.join(tmpdir(), 'mvshop-pglite-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    PGLITE_DIR: 'memory://',
    DATA_DIR: dataDir,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.port),
    CORS_ORIGIN: TEST_ORIGIN,
    FRONTEND_URL: TEST_ORIGIN,
    OUTBOX_POLL_MS: '50',
  });
  const core = await createCore(config);
  api = await startApi(config, core);
  origin = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await api?.close();
  await mail?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('embedded default (PGlite in memory, no Redis)', () => {
  it('runs on an in-process PGlite database, migrated on open, with no Redis', async () => {
    expect(api.core.config.database.url).toBeUndefined();
    expect(api.core.database.kind).toBe('pglite');
    expect(api.redis).toBeUndefined();
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  });

  it('register → activation email → activate → me → logout → login works end to end', async () => {
    const email = uniqueEmail('embedded');
    const browser = client();
    const registered = await browser.post('/user/register', { name: 'Emma Bedded', email, password: PASSWORD });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.cookies.token).toBeUndefined();

    const activation = await mail.waitFor(email, (m) => /activate/i.test(m.subject));
    const activated = await browser.post('/user/activate-account', { activation_token: linkToken(activation) });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    expect(activated.cookies.token).toEqual(expect.any(String));

    const me = await browser.get('/user/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ _id: activated.body.user._id, email, name: 'Emma Bedded' });

    expect((await browser.post('/user/logout')).status).toBe(200);
    expect((await browser.get('/user/me')).status).toBe(401);

    const wrong = await client().post('/user/login', { email, password: `${PASSWORD}x` });
    expect(wrong.status).toBe(401);
    const login = await browser.post('/user/login', { email, password: PASSWORD });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect((await browser.get('/user/me')).body.user._id).toBe(activated.body.user._id);

    // The in-process outbox delivered once and dropped the one-time link from the stored row.
    expect(mail.messages.filter((m) => m.to === email)).toHaveLength(1);
    const [row] = await api.core.database.db.select().from(outbox).where(sql`${outbox.payload}->>'to' = ${email}`);
    expect(row).toMatchObject({ status: 'done', payload: { to: email, template: 'activate-account' } });
  });

  it('a buyer adds two shops’ products and places one cash-on-delivery order per shop', async () => {
    const app = { client, mail };
    const [a, b] = [await signUpShop(app, { name: 'Alpha' }), await signUpShop(app, { name: 'Beta' })];
    const pa = await listProduct(a.client, { stock: 5, originalPrice: 12 });
    const pb = await listProduct(b.client, { stock: 3, originalPrice: 7.5 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, pa, 2);
    const cart = await addToCart(buyer.client, pb, 1);
    expect(cart.total).toBe(31.5);

    const placed = await placeCodOrder(buyer.client);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.orders.map((o: { shop: { name: string }; totalPrice: number }) => [o.shop.name, o.totalPrice])).toEqual([
      ['Alpha', 24],
      ['Beta', 7.5],
    ]);
    const stock = await api.core.database.db
      .select({ id: productStock.productId, stock: productStock.stock, sold: productStock.soldCount })
      .from(productStock)
      .where(inArray(productStock.productId, [pa, pb]))
      .orderBy(productStock.stock);
    expect(stock).toEqual([
      { id: pb, stock: 2, sold: 1 },
      { id: pa, stock: 3, sold: 2 },
    ]);
    expect((await buyer.client.get('/cart/get-cart')).body.cart.itemCount).toBe(0);
    await mail.waitFor(buyer.email, (m) => /order is confirmed/.test(m.subject));
    expect((await placeCodOrder(buyer.client)).status).toBe(409);
  });

  it('lists, searches and shows products through the catalog index, as the SQL path does', async () => {
    const app = { client, mail };
    const shop = await signUpShop(app, { name: 'Gamma' });
    const lamp = await listProduct(shop.client, { name: 'Quartz Desk Lamp', originalPrice: 40 });
    await listProduct(shop.client, { name: 'Quartz Wall Clock', originalPrice: 25 });
    const names = async (query: string) => {
      const res = await client().get(`/product/get-all-products${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.products.map((p: { name: string }) => p.name);
    };
    expect(await names('?q=quartz&sort=price_asc')).toEqual(['Quartz Wall Clock', 'Quartz Desk Lamp']);
    expect(await names('?q=lam')).toEqual(['Quartz Desk Lamp']);
    const detail = await client().get(`/product/${lamp}`);
    expect(detail.body.product).toMatchObject({ name: 'Quartz Desk Lamp', price: 40, shop: { name: 'Gamma' }, reviews: [] });
    expect(new Date(detail.body.product.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const ctx = api.core.ctx();
    const bySql = { ...ctx, config: { ...ctx.config, catalogIndexRefreshMs: 0, pageCacheMs: 0 } };
    const byIndex = { ...ctx, config: { ...ctx.config, pageCacheMs: 0 } };
    for (const input of [{}, { sort: 'price_desc' }, { q: 'quartz' }, { sort: 'best_selling' }]) expect(await searchProducts(byIndex, input)).toEqual(await searchProducts(bySql, input));
    // The index answered (it was loaded at start and holds every listing), not the SQL fallback.
    expect(catalogIndexStats(api.core.database.db)?.listings).toBe(4);
  });
});
