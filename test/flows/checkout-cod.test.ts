import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/core/ledger/index.ts';
import { queryRows } from '../../src/core/db/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { ADDRESS, addToCart, listProduct, placeCodOrder, setShippingFee } from '../helpers/commerce.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const row = async <T>(query: ReturnType<typeof sql>) => (await queryRows<T>(app.core.database.db, query))[0]!;

describe('cash-on-delivery checkout of a two-shop cart', () => {
  it('creates one order per shop with server prices, takes stock, clears the cart and emails buyer and sellers', async () => {
    const a = await signUpShop(app, { name: 'Alpha' });
    const b = await signUpShop(app, { name: 'Beta' });
    await setShippingFee(a.client, 4.5);
    const pa = await listProduct(a.client, { originalPrice: 20, discountPrice: 15.99, stock: 5 });
    const pb = await listProduct(b.client, { originalPrice: 7.25, stock: 3 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, pa, 2);
    await addToCart(buyer.client, pb, 3);

    // Client-sent prices and totals are ignored.
    const res = await placeCodOrder(buyer.client, { totalPrice: 0.01, cart: [{ _id: pa, price: 0.01, qty: 2 }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const orders = res.body.orders as any[];
    expect(orders).toHaveLength(2);
    const oa = orders.find((o) => o.shopId === a.seller._id);
    const ob = orders.find((o) => o.shopId === b.seller._id);
    expect(oa).toMatchObject({ subtotal: 31.98, shipping: 4.5, discount: 0, totalPrice: 36.48, status: 'Processing', currency: 'usd' });
    expect(oa.paymentInfo).toEqual({ id: null, type: 'Cash On Delivery', status: 'pending' });
    expect(oa.platformFee).toBe(3.65); // 10% of 36.48, half-cent rounded up
    expect(ob).toMatchObject({ subtotal: 21.75, shipping: 0, totalPrice: 21.75 });
    expect(oa.cart[0]).toMatchObject({ productId: pa, qty: 2, price: 15.99 });
    // The answer is built from the rows as written: exactly what reading each order back gives.
    for (const order of orders) {
      const { statusHistory, ...stored } = (await buyer.client.get(`/order/${order._id}`)).body.order;
      expect(statusHistory).toHaveLength(1);
      expect(order).toEqual(stored);
    }

    const stock = await row<{ stock: number; sold_count: number }>(sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${pa}`);
    expect(stock).toEqual({ stock: 3, sold_count: 2 });
    const cart = await buyer.client.get('/cart/get-cart');
    expect(cart.body.cart.itemCount).toBe(0);

    await app.mail.waitFor(buyer.email, (m) => /order is confirmed/.test(m.subject));
    await app.mail.waitFor(a.email, (m) => m.subject === `New order ${oa._id}`);
    await app.mail.waitFor(b.email, (m) => m.subject === `New order ${ob._id}`);
    // Cash orders move no money until delivery.
    expect((await verifyLedger(app.core.ctx())).entries).toBe(0);
  });

  it('when the cart is empty, answers 409 and creates nothing', async () => {
    const buyer = await signUpUser(app);
    const res = await placeCodOrder(buyer.client);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/cart is empty/);
  });

  it('when a line became unavailable, refuses with 409 naming it and keeps the cart', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { name: 'Vanishing lamp', stock: 2 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 2);
    await queryRows(app.core.database.db, sql`UPDATE product_stock SET stock = 1 WHERE product_id = ${p}`);
    const res = await placeCodOrder(buyer.client);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('Vanishing lamp');
    const cart = await buyer.client.get('/cart/get-cart');
    expect(cart.body.cart.itemCount).toBe(2);
    expect(cart.body.cart.shops[0].items[0]).toMatchObject({ available: false, problem: 'only 1 left in stock' });
    const orders = await row<{ n: number }>(sql`SELECT COUNT(*)::int AS n FROM orders WHERE user_id = ${buyer.user._id}`);
    expect(orders.n).toBe(0);
  });

  it('with 50 parallel buyers of the last 10 units, creates exactly 10 orders and never oversells', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 10 });
    const buyers = await Promise.all(Array.from({ length: 50 }, () => signUpUser(app)));
    for (const b of buyers) await addToCart(b.client, p, 1);
    const results = await Promise.all(buyers.map((b) => placeCodOrder(b.client)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const after = await row<{ stock: number; sold_count: number }>(sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${p}`);
    expect(after).toEqual({ stock: 0, sold_count: 10 });
    const lines = await row<{ units: number }>(sql`SELECT COALESCE(SUM(qty), 0)::int AS units FROM order_lines WHERE product_id = ${p}`);
    expect(lines.units).toBe(10);
    // Losers keep their carts: the cart is cleared only with success.
    const kept = await row<{ n: number }>(sql`SELECT COUNT(*)::int AS n FROM cart_items WHERE product_id = ${p}`);
    expect(kept.n).toBe(40);
  }, 120_000);

  it('buyers adding the last units and ordering at once: every order is covered by stock, units sold = units taken', async () => {
    const shop = await signUpShop(app);
    const other = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 7 });
    const q = await listProduct(other.client, { stock: 1000 });
    const buyers = await Promise.all(Array.from({ length: 20 }, () => signUpUser(app)));
    const outcomes = await Promise.all(
      buyers.map(async (b) => {
        const added = await b.client.post('/cart/add-to-cart', { productId: p, qty: 1 });
        if (added.status !== 200) return `add ${added.status}`;
        await addToCart(b.client, q, 1);
        return `order ${(await placeCodOrder(b.client)).status}`;
      }),
    );
    // A buyer who could not add the listing (the stock read as gone) or whose order lost the race is refused, never a 500.
    for (const o of outcomes) expect(['order 201', 'order 409', 'add 400']).toContain(o);
    const placed = outcomes.filter((o) => o === 'order 201').length;
    expect(placed).toBe(7);
    const after = await row<{ stock: number; sold_count: number }>(sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${p}`);
    expect(after).toEqual({ stock: 0, sold_count: 7 });
    const units = await row<{ p: number; q: number; orders: number }>(
      sql`SELECT COALESCE(SUM(qty) FILTER (WHERE product_id = ${p}), 0)::int AS p, COALESCE(SUM(qty) FILTER (WHERE product_id = ${q}), 0)::int AS q,
        COUNT(DISTINCT order_id)::int AS orders FROM order_lines WHERE product_id IN (${p}, ${q})`,
    );
    expect(units).toEqual({ p: 7, q: 7, orders: 14 });
    const stockQ = await row<{ stock: number; sold_count: number }>(sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${q}`);
    expect(stockQ).toEqual({ stock: 993, sold_count: 7 });
  }, 120_000);

  it('a create-order submitted three times at once makes one set of orders', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 10 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 2);
    const results = await Promise.all([placeCodOrder(buyer.client), placeCodOrder(buyer.client), placeCodOrder(buyer.client)]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.status).toBe(409);
    const after = await row<{ stock: number }>(sql`SELECT stock FROM product_stock WHERE product_id = ${p}`);
    expect(after.stock).toBe(8);
  });

  it('rejects a bad shipping address with 400 naming the field', async () => {
    const buyer = await signUpUser(app);
    const res = await buyer.client.post('/order/create-order', {
      shippingAddress: { ...ADDRESS, city: '' },
      paymentInfo: { type: 'Cash On Delivery' },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('shippingAddress.city');
  });
});
