import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { signUpAdmin } from '../../helpers/factories.ts';
import { asV1, productForm, storefront, v2SignUpShop, v2SignUpUser } from '../../helpers/storefront.ts';

/*
 * The storefront's catalog and coupon calls against /api/v2 (seed-lineage.md §4): create forms with
 * base64 images and a `shopId` the server does not trust, lists that carry `reviews` and come whole.
 */

let app: TestApp;
let shop: Awaited<ReturnType<typeof v2SignUpShop>>;
beforeAll(async () => {
  app = await startTestApp();
  shop = await v2SignUpShop(app);
}, 60_000);
afterAll(() => app?.close());

const HOUR = 3_600_000;

describe('products', () => {
  it('create-product takes the dashboard form (base64 images); the owner is the session shop, not the body’s shopId', async () => {
    const other = await v2SignUpShop(app);
    const res = await shop.client.post('/product/create-product', productForm(other.seller._id, { name: 'Owned lamp' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const p = res.body.product;
    expect(p).toMatchObject({ name: 'Owned lamp', shopId: shop.seller._id, originalPrice: 40, discountPrice: 30, stock: 5, sold_out: 0, ratings: 0, tags: ['lamp', 'light'] });
    expect(p.shop).toMatchObject({ _id: shop.seller._id, name: 'Corner Shop' });
    expect(p.images[0].url).toEqual(expect.any(String));
    expect((await storefront(app).post('/product/create-product', productForm(shop.seller._id))).status).toBe(401);
  });

  it('get-all-products gives every listing (more than the API’s default page of 20), each with reviews: [] and the shop embedded', async () => {
    const seller = await v2SignUpShop(app);
    for (let i = 0; i < 21; i++) {
      const res = await seller.client.post('/product/create-product', productForm(seller.seller._id, { name: `Bulk item ${i}` }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const all = await storefront(app).get('/product/get-all-products');
    expect(all.status).toBe(200);
    const mine = all.body.products.filter((p: { shopId: string }) => p.shopId === seller.seller._id);
    expect(mine).toHaveLength(21);
    for (const p of all.body.products) {
      expect(p.reviews).toEqual([]);
      expect(p.shop._id).toBe(p.shopId);
      expect(p.shop.avatar === null || typeof p.shop.avatar.url === 'string').toBe(true);
    }
    // The /api/v1 twin keeps its default page: the shim is the only difference.
    const v1 = await asV1(app, storefront(app)).get('/product/get-all-products');
    expect(v1.body.products).toHaveLength(20);
    expect(v1.body.products[0]).not.toHaveProperty('reviews');

    const shopList = await storefront(app).get(`/product/get-all-products-shop/${seller.seller._id}`);
    expect(shopList.status).toBe(200);
    expect(shopList.body.products).toHaveLength(21);
    for (const p of shopList.body.products) expect(p.reviews.length).toBe(0);
  });

  it('delete-shop-product/:id answers data.message for the owner; another shop cannot delete it', async () => {
    const created = await shop.client.post('/product/create-product', productForm(shop.seller._id, { name: 'Doomed lamp' }));
    const id = created.body.product._id;
    const other = await v2SignUpShop(app);
    const refused = await other.client.delete(`/product/delete-shop-product/${id}`);
    expect([403, 404]).toContain(refused.status);
    expect(refused.body.message).toEqual(expect.any(String));
    const res = await shop.client.delete(`/product/delete-shop-product/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Product deleted');
    const list = await storefront(app).get(`/product/get-all-products-shop/${shop.seller._id}`);
    expect(list.body.products.map((p: { _id: string }) => p._id)).not.toContain(id);
  });

  it('admin-all-products and admin-all-events answer admins only', async () => {
    const admin = await signUpAdmin(app);
    const v2 = storefront(app);
    for (const [k, v] of admin.client.cookies) v2.cookies.set(k, v);
    const products = await v2.get('/product/admin-all-products');
    expect(products.status).toBe(200);
    expect(products.body.products.length).toBeGreaterThan(0);
    expect((await v2.get('/event/admin-all-events')).body.events).toEqual(expect.any(Array));
    const buyer = await v2SignUpUser(app);
    expect((await buyer.client.get('/product/admin-all-products')).status).toBe(403);
  });
});

describe('events', () => {
  it('create-event takes the storefront’s start_Date and Finish_Date; lists read events with Finish_Date and reviews: []', async () => {
    const now = Date.now();
    const start_Date = new Date(now - HOUR).toISOString();
    const Finish_Date = new Date(now + 48 * HOUR).toISOString();
    const res = await shop.client.post('/event/create-event', { ...productForm(shop.seller._id, { name: 'Weekend sale' }), start_Date, Finish_Date });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.event).toMatchObject({ name: 'Weekend sale', shopId: shop.seller._id, Finish_Date, start_Date });
    const id = res.body.event._id;

    const all = await storefront(app).get('/event/get-all-events');
    expect(all.status).toBe(200);
    const listed = all.body.events.find((e: { _id: string }) => e._id === id);
    expect(listed).toMatchObject({ Finish_Date, start_Date, reviews: [] });
    expect(listed.shop._id).toBe(shop.seller._id);
    const own = await storefront(app).get(`/event/get-all-events/${shop.seller._id}`);
    expect(own.body.events.map((e: { _id: string }) => e._id)).toContain(id);

    // CountDown.jsx deletes an ended event with no credentials: that is refused; the owner may delete.
    expect((await storefront(app).delete(`/event/delete-shop-event/${id}`)).status).toBe(401);
    const deleted = await shop.client.delete(`/event/delete-shop-event/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.message).toBe('Event deleted');
  });

  it('an event without Finish_Date is a 400 naming the field', async () => {
    const res = await shop.client.post('/event/create-event', { ...productForm(shop.seller._id), start_Date: new Date().toISOString() });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/finish_Date/);
  });
});

describe('coupons (seller dashboard and checkout)', () => {
  it('create-coupon-code takes the product by name; get-coupon/:shopId reads couponCodes; get-coupon-value reads couponCode.{value,shopId}', async () => {
    const product = await shop.client.post('/product/create-product', productForm(shop.seller._id, { name: 'Coupon lamp' }));
    const name = `LAMP${Date.now() % 100000}`;
    const res = await shop.client.post('/coupon/create-coupon-code', {
      name,
      minAmount: '10',
      maxAmount: null,
      selectedProducts: 'Coupon lamp',
      value: '15',
      shopId: 'shop_someone_else',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.couponCode).toMatchObject({ name, value: 15, shopId: shop.seller._id, selectedProduct: product.body.product._id });

    const list = await shop.client.get(`/coupon/get-coupon/${shop.seller._id}`);
    expect(list.status).toBe(200);
    expect(list.body.couponCodes.map((c: { name: string }) => c.name)).toContain(name);

    const value = await storefront(app).get(`/coupon/get-coupon-value/${name}`);
    expect(value.status).toBe(200);
    expect(value.body.couponCode).toMatchObject({ value: 15, shopId: shop.seller._id });
    const unknown = await storefront(app).get('/coupon/get-coupon-value/NO-SUCH-CODE');
    expect(unknown.status).toBe(200);
    expect(unknown.body.couponCode).toBeNull();

    const deleted = await shop.client.delete(`/coupon/delete-coupon/${res.body.couponCode._id}`);
    expect(deleted.status).toBe(200);
    expect((await storefront(app).get(`/coupon/get-coupon-value/${name}`)).body.couponCode).toBeNull();
  });

  it('the form’s “no product” choice makes a shop-wide coupon; a name that is not one of the seller’s products is a 400', async () => {
    const wide = await shop.client.post('/coupon/create-coupon-code', { name: `WIDE${Date.now() % 100000}`, value: 10, selectedProducts: 'Choose your selected products' });
    expect(wide.status, JSON.stringify(wide.body)).toBe(201);
    expect(wide.body.couponCode.selectedProduct ?? null).toBeNull();
    const bad = await shop.client.post('/coupon/create-coupon-code', { name: `BAD${Date.now() % 100000}`, value: 10, selectedProducts: 'Someone else’s lamp' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/selectedProducts/);
  });

  it('another shop’s coupons are not listed to a seller', async () => {
    const other = await v2SignUpShop(app);
    expect((await other.client.get(`/coupon/get-coupon/${shop.seller._id}`)).status).toBe(403);
  });
});

describe('images', () => {
  it('a create form whose image is not an image is a 400 naming images', async () => {
    const res = await shop.client.post('/product/create-product', productForm(shop.seller._id, { images: ['data:image/png;base64,aGVsbG8='] }));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/images/);
  });
});
