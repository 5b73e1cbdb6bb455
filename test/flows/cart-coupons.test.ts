import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { addToCart, listProduct, placeCodOrder, setShippingFee } from '../helpers/commerce.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const uniqueName = (p: string) => `${p}${Math.random().toString(36).slice(2, 8)}`.toUpperCase();

describe('cart', () => {
  it('prices lines from the database now, grouped by shop with shipping once per shop', async () => {
    const a = await signUpShop(app);
    await setShippingFee(a.client, 3);
    const p1 = await listProduct(a.client, { originalPrice: 10, stock: 4 });
    const p2 = await listProduct(a.client, { originalPrice: 5.5, discountPrice: 4.25, stock: 4 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p1, 1);
    await addToCart(buyer.client, p1, 1);
    const cart = await addToCart(buyer.client, p2, 2);
    expect(cart.shops).toHaveLength(1);
    expect(cart.shops[0]).toMatchObject({ subtotal: 28.5, shipping: 3, total: 31.5 });
    expect(cart.shops[0].items.find((i: any) => i.productId === p1)).toMatchObject({ qty: 2, price: 10, lineTotal: 20 });
    await rows(sql`UPDATE products SET original_price_minor = 1200 WHERE id = ${p1}`);
    const repriced = await buyer.client.get('/cart/get-cart');
    expect(repriced.body.cart.total).toBe(35.5);
  });

  it('refuses quantities that are not positive whole numbers within stock, naming qty', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client, { stock: 3 });
    const buyer = await signUpUser(app);
    for (const qty of [0, -1, 1.5, 'two'])
      expect((await buyer.client.post('/cart/add-to-cart', { productId: p, qty })).body.fields).toHaveProperty('qty');
    const over = await buyer.client.post('/cart/add-to-cart', { productId: p, qty: 4 });
    expect(over.status).toBe(400);
    expect(over.body.message).toMatch(/Only 3/);
    await addToCart(buyer.client, p, 2);
    expect((await buyer.client.post('/cart/add-to-cart', { productId: p, qty: 2 })).status).toBe(400);
    expect((await buyer.client.post('/cart/add-to-cart', { productId: 'prod_nope' })).status).toBe(400);
  });

  it('parallel add-to-cart of one listing by one buyer never holds more than its stock, and each answer says what happened', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client, { stock: 5 });
    const buyer = await signUpUser(app);
    const results = await Promise.all(Array.from({ length: 12 }, () => buyer.client.post('/cart/add-to-cart', { productId: p, qty: 1 })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(5);
    // Refused: over the stock as read (400 naming qty), or changed meanwhile (409, retryable).
    for (const r of results.filter((x) => x.status !== 200)) expect([400, 409]).toContain(r.status);
    const line = await rows(sql`SELECT qty FROM cart_items WHERE product_id = ${p}`);
    expect(line).toEqual([{ qty: 5 }]);
    expect(Math.max(...ok.map((r) => r.body.cart.itemCount))).toBe(5);
  });

  it('a cart holds at most 100 different listings; more of one it holds can still be added', async () => {
    const a = await signUpShop(app);
    const listings: string[] = [];
    for (let i = 0; i < 101; i += 20) listings.push(...(await Promise.all(Array.from({ length: Math.min(20, 101 - i) }, () => listProduct(a.client, { stock: 10 })))));
    const buyer = await signUpUser(app);
    const [last, ...held] = listings;
    await rows(sql`INSERT INTO cart_items (user_id, product_id, qty) SELECT ${buyer.user._id}, unnest(string_to_array(${held.join(',')}, ',')), 1`);
    const refused = await buyer.client.post('/cart/add-to-cart', { productId: last, qty: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/at most 100 different items/);
    expect((await rows(sql`SELECT count(*)::int AS n FROM cart_items WHERE user_id = ${buyer.user._id}`))[0]).toEqual({ n: 100 });
    const more = await buyer.client.post('/cart/add-to-cart', { productId: held[0], qty: 1 });
    expect(more.status).toBe(200);
    expect(more.body.cart.itemCount).toBe(101);
  }, 60_000);

  it('updates, removes (qty 0 too) and clears lines', async () => {
    const a = await signUpShop(app);
    const p1 = await listProduct(a.client);
    const p2 = await listProduct(a.client);
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p1);
    await addToCart(buyer.client, p2);
    expect((await buyer.client.put('/cart/update-cart-item', { productId: p1, qty: 3 })).body.cart.itemCount).toBe(4);
    expect((await buyer.client.put('/cart/update-cart-item', { productId: p1, qty: 0 })).body.cart.itemCount).toBe(1);
    expect((await buyer.client.delete(`/cart/remove-cart-item/${p2}`)).body.cart.itemCount).toBe(0);
    await addToCart(buyer.client, p1);
    expect((await buyer.client.delete('/cart/clear-cart')).body.cart.shops).toEqual([]);
  });

  it('update-cart-item sets a line within the stock, refuses past it (400 naming qty) and leaves the line as it was', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client, { stock: 4 });
    const buyer = await signUpUser(app);
    const set = await buyer.client.put('/cart/update-cart-item', { productId: p, qty: 3 });
    expect(set.status).toBe(200);
    expect(set.body.cart.itemCount).toBe(3);
    const over = await buyer.client.put('/cart/update-cart-item', { productId: p, qty: 5 });
    expect(over.status).toBe(400);
    expect(over.body.fields).toEqual({ qty: 'must be at most 4' });
    expect(await rows(sql`SELECT qty FROM cart_items WHERE product_id = ${p}`)).toEqual([{ qty: 3 }]);
    expect((await buyer.client.put('/cart/update-cart-item', { productId: p, qty: 4 })).body.cart.itemCount).toBe(4);
    expect(await rows(sql`SELECT qty FROM cart_items WHERE product_id = ${p}`)).toEqual([{ qty: 4 }]);
  });

  it('a hidden listing cannot be added, and a line that became hidden is flagged', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client);
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p);
    await rows(sql`UPDATE products SET status = 'hidden' WHERE id = ${p}`);
    expect((await buyer.client.post('/cart/add-to-cart', { productId: p })).status).toBe(404);
    const cart = await buyer.client.get('/cart/get-cart');
    expect(cart.body.cart.shops[0].items[0]).toMatchObject({ available: false });
    expect((await placeCodOrder(buyer.client)).status).toBe(409);
  });

  it("a banned or closed shop's listing cannot be added or changed, and nothing is written", async () => {
    const buyer = await signUpUser(app);
    for (const column of ['banned_at', 'deleted_at']) {
      const a = await signUpShop(app);
      const p = await listProduct(a.client, { stock: 5 });
      await addToCart(buyer.client, p, 1);
      await rows(sql`UPDATE shops SET ${sql.identifier(column)} = now() WHERE id = ${a.seller._id}`);
      expect((await buyer.client.post('/cart/add-to-cart', { productId: p, qty: 1 })).status).toBe(404);
      expect((await buyer.client.put('/cart/update-cart-item', { productId: p, qty: 3 })).status).toBe(404);
      expect(await rows(sql`SELECT qty FROM cart_items WHERE product_id = ${p}`)).toEqual([{ qty: 1 }]);
    }
  });

  it('requires a user session; a seller token is not one', async () => {
    const a = await signUpShop(app);
    expect((await app.client().get('/cart/get-cart')).status).toBe(401);
    expect((await a.client.get('/cart/get-cart')).status).toBe(401);
  });
});

describe('coupons', () => {
  it('are unique by name ignoring case, validated, listed and deleted only by their shop', async () => {
    const a = await signUpShop(app);
    const b = await signUpShop(app);
    const name = uniqueName('save');
    const made = await a.client.post('/coupon/create-coupon', { name, value: 15 });
    expect(made.status).toBe(201);
    expect(made.body.couponCode).toMatchObject({ name, value: 15, shopId: a.seller._id });
    expect((await b.client.post('/coupon/create-coupon', { name: name.toLowerCase(), value: 10 })).status).toBe(409);
    expect((await a.client.post('/coupon/create-coupon', { name: uniqueName('x'), value: 101 })).body.fields).toHaveProperty('value');
    expect((await a.client.get(`/coupon/get-coupon/${a.seller._id}`)).body.couponCodes).toHaveLength(1);
    expect((await b.client.get(`/coupon/get-coupon/${a.seller._id}`)).status).toBe(403);
    expect((await b.client.delete(`/coupon/delete-coupon/${made.body.couponCode._id}`)).status).toBe(403);
    const lookup = await app.client().get(`/coupon/get-coupon-value/${name.toLowerCase()}`);
    expect(lookup.body.couponCode).toMatchObject({ name, value: 15, shopId: a.seller._id });
    expect((await a.client.delete(`/coupon/delete-coupon/${made.body.couponCode._id}`)).status).toBe(200);
    const gone = await app.client().get(`/coupon/get-coupon-value/${name}`);
    expect(gone.status).toBe(200);
    expect(gone.body.couponCode).toBeNull();
  });

  it('apply only to the issuing shop’s eligible lines, computed by the server', async () => {
    const a = await signUpShop(app);
    const b = await signUpShop(app);
    const pa1 = await listProduct(a.client, { originalPrice: 10 });
    const pa2 = await listProduct(a.client, { originalPrice: 30 });
    const pb = await listProduct(b.client, { originalPrice: 100 });
    const name = uniqueName('only');
    await a.client.post('/coupon/create-coupon', { name, value: 25, selectedProduct: pa2 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, pa1);
    await addToCart(buyer.client, pa2);
    await addToCart(buyer.client, pb);
    const res = await placeCodOrder(buyer.client, { couponCode: name });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const oa = res.body.orders.find((o: any) => o.shopId === a.seller._id);
    const ob = res.body.orders.find((o: any) => o.shopId === b.seller._id);
    expect(oa).toMatchObject({ subtotal: 40, discount: 7.5, totalPrice: 32.5 });
    expect(ob).toMatchObject({ subtotal: 100, discount: 0, totalPrice: 100 });
  });

  it('refuse an expired coupon and one under its minimum amount', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client, { originalPrice: 10 });
    const min = uniqueName('min');
    await a.client.post('/coupon/create-coupon', { name: min, value: 10, minAmount: 50 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p);
    const res = await placeCodOrder(buyer.client, { couponCode: min });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/at least 50.00/);
    const old = uniqueName('old');
    await a.client.post('/coupon/create-coupon', { name: old, value: 10 });
    await rows(sql`UPDATE coupons SET expires_at = now() - interval '1 minute' WHERE name = ${old}`);
    expect((await placeCodOrder(buyer.client, { couponCode: old })).body.message).toMatch(/expired/);
    expect((await placeCodOrder(buyer.client, { couponCode: 'NOSUCHCOUPON' })).status).toBe(400);
  });

  it('hold their usage limit under parallel checkouts', async () => {
    const a = await signUpShop(app);
    const p = await listProduct(a.client, { originalPrice: 10, stock: 100 });
    const name = uniqueName('limit');
    await a.client.post('/coupon/create-coupon', { name, value: 50, usageLimit: 3 });
    const buyers = await Promise.all(Array.from({ length: 8 }, () => signUpUser(app)));
    for (const b of buyers) await addToCart(b.client, p);
    const results = await Promise.all(buyers.map((b) => placeCodOrder(b.client, { couponCode: name })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const [c] = await rows<{ used_count: number }>(sql`SELECT used_count FROM coupons WHERE name = ${name}`);
    expect(c!.used_count).toBe(3);
    const discounted = await rows(sql`SELECT o.id FROM orders o JOIN coupons c ON c.id = o.coupon_id WHERE c.name = ${name}`);
    expect(discounted).toHaveLength(3);
  }, 60_000);
});
