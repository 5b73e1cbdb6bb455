import { existsSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products, productStock } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

// A real 1×1 PNG and a few bytes that are not an image.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PNG_URL = `data:image/png;base64,${PNG.toString('base64')}`;
const TEXT_URL = `data:image/png;base64,${Buffer.from('just some text, not a picture').toString('base64')}`;

let app: TestApp;
let seller: Awaited<ReturnType<typeof signUpShop>>;
let rival: Awaited<ReturnType<typeof signUpShop>>;
beforeAll(async () => {
  app = await startTestApp();
  [seller, rival] = await Promise.all([signUpShop(app, { name: 'Maple Store' }), signUpShop(app, { name: 'Rival Goods' })]);
});
afterAll(() => app?.close());

const db = () => app.core.database.db;
// The listing's row with its stock row's columns beside them.
const row = async (id: string) => {
  const [r] = await db().select().from(products).innerJoin(productStock, eq(productStock.productId, products.id)).where(eq(products.id, id));
  return r && { ...r.products, ...r.product_stock };
};
const mediaFile = (publicId: string) => path.join(app.config.media.dir, publicId);

const productBody = (over: Record<string, unknown> = {}) => ({
  name: 'Leather Backpack',
  description: 'Roomy backpack in full-grain leather.',
  category: 'Accessories',
  tags: ['leather', 'travel'],
  originalPrice: 19.99,
  discountPrice: 14.5,
  stock: 12,
  images: [PNG_URL],
  ...over,
});

async function createProduct(client: TestClient, over: Record<string, unknown> = {}) {
  const res = await client.post('/product', productBody(over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.product as Record<string, any>;
}

function multipartForm(fields: Record<string, string>, files: { name: string; bytes: Buffer; type?: string }[]) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('images', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'image/png' }), f.name);
  return form;
}

describe('POST /product', () => {
  it('when a seller lists a product with data-URL images, answers 201 with the product in major units, owned by the session shop', async () => {
    const res = await seller.client.post('/product', {
      ...productBody(),
      // None of these are the seller's to set.
      shopId: rival.seller._id,
      sold_out: 500,
      ratings: 5,
      numReviews: 99,
      status: 'hidden',
      reviews: [{ rating: 5 }],
    });
    expect(res.status).toBe(201);
    const product = res.body.product;
    expect(res.body.success).toBe(true);
    expect(product).toMatchObject({
      _id: expect.stringMatching(/^prod_[0-9a-z]{26}$/),
      kind: 'product',
      name: 'Leather Backpack',
      description: 'Roomy backpack in full-grain leather.',
      category: 'Accessories',
      tags: ['leather', 'travel'],
      originalPrice: 19.99,
      discountPrice: 14.5,
      price: 14.5,
      stock: 12,
      sold_out: 0,
      ratings: 0,
      numReviews: 0,
      shopId: seller.seller._id,
      status: 'active',
      moderationReason: null,
      shop: { _id: seller.seller._id, name: 'Maple Store', avatar: null, description: null, ratings: 0 },
    });
    expect(product.shop.createdAt).toEqual(expect.any(String));
    expect(product.shop).not.toHaveProperty('email');
    expect(product.images).toHaveLength(1);
    expect(product.images[0]).toEqual({ public_id: expect.stringMatching(/^products\//), url: expect.stringContaining('/media/products/') });
    expect(Date.parse(product.createdAt)).not.toBeNaN();

    const stored = await row(product._id);
    expect(stored).toMatchObject({ shopId: seller.seller._id, originalPriceMinor: 1999, discountPriceMinor: 1450, priceMinor: 1450, soldCount: 0, ratingSum: 0, ratingCount: 0, status: 'active' });
    expect(existsSync(mediaFile(product.images[0].public_id))).toBe(true);
  });

  it('when the form is multipart with image files and a comma-separated tag string, stores every image in order', async () => {
    const form = multipartForm(
      { name: 'Wool Scarf', description: 'Warm scarf.', category: 'Clothes', tags: 'Wool, Winter ,wool', originalPrice: '25', stock: '3' },
      [
        { name: 'a.png', bytes: PNG },
        { name: 'b.png', bytes: PNG },
      ],
    );
    const res = await seller.client.request('POST', '/product', { body: form });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.product).toMatchObject({ tags: ['wool', 'winter'], originalPrice: 25, discountPrice: null, price: 25, stock: 3 });
    expect(res.body.product.images).toHaveLength(2);
    for (const image of res.body.product.images) expect(existsSync(mediaFile(image.public_id))).toBe(true);
  });

  it('when nobody is signed in, or only a buyer is, answers 401 and lists nothing', async () => {
    const before = await db().$count(products);
    expect((await app.client().post('/product', productBody())).status).toBe(401);
    const buyer = await signUpUser(app);
    expect((await buyer.client.post('/product', productBody())).status).toBe(401);
    expect(await db().$count(products)).toBe(before);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['negative stock', { stock: -1 }, 'stock'],
    ['fractional stock', { stock: 2.5 }, 'stock'],
    ['stock that is not a number', { stock: 'lots' }, 'stock'],
    ['a price with more than 2 decimals', { originalPrice: 19.999 }, 'originalPrice'],
    ['a negative price', { originalPrice: -5 }, 'originalPrice'],
    ['a zero price', { originalPrice: 0, discountPrice: null }, 'originalPrice'],
    ['a discount equal to the original price', { discountPrice: 19.99 }, 'discountPrice'],
    ['a discount above the original price', { discountPrice: 25 }, 'discountPrice'],
    ['a discount with 3 decimals', { discountPrice: 1.005 }, 'discountPrice'],
    ['an unknown category format', { category: '<script>alert(1)</script>' }, 'category'],
    ['an empty category', { category: '   ' }, 'category'],
    ['a missing name', { name: undefined }, 'name'],
    ['a tag with markup', { tags: ['ok', '<b>'] }, 'tags.1'],
    ['more than 5 images', { images: Array(6).fill(PNG_URL) }, 'images'],
    ['no images', { images: [] }, 'images'],
    ['a data URL that is not an image', { images: [TEXT_URL] }, 'images'],
    ['an image that is not a data URL', { images: ['https://example.com/a.png'] }, 'images'],
  ];
  it.each(invalid)('when the body has %s, answers 400 naming the field and stores nothing', async (_label, over, field) => {
    const before = await db().$count(products);
    const res = await seller.client.post('/product', productBody(over));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(res.body.fields).toHaveProperty([field]);
    expect(await db().$count(products)).toBe(before);
  });

  it('when a multipart upload carries 6 image files, answers 400 naming images', async () => {
    const form = multipartForm(
      { name: 'Too Many', description: 'x', category: 'Gifts', originalPrice: '5', stock: '1' },
      Array.from({ length: 6 }, (_, i) => ({ name: `${i}.png`, bytes: PNG })),
    );
    const res = await seller.client.request('POST', '/product', { body: form });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('images');
  });

  it('when a multipart file is not an image (whatever its name and declared type), answers 400 naming images and stores no file', async () => {
    const form = multipartForm({ name: 'Fake', description: 'x', category: 'Gifts', originalPrice: '5', stock: '1' }, [
      { name: 'ok.png', bytes: PNG },
      { name: 'evil.png', bytes: Buffer.from('%PDF-1.4 not an image'), type: 'image/png' },
    ]);
    const before = await db().$count(products);
    const res = await seller.client.request('POST', '/product', { body: form });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: { images: expect.any(String) } });
    expect(await db().$count(products)).toBe(before);
  });
});

describe('GET /product/:id', () => {
  it('answers anyone with the product, its public shop and its (empty) reviews', async () => {
    const created = await createProduct(seller.client);
    const res = await app.client().get(`/product/${created._id}`);
    expect(res.status).toBe(200);
    expect(res.body.product).toMatchObject({ _id: created._id, name: 'Leather Backpack', originalPrice: 19.99, reviews: [] });
    expect(Object.keys(res.body.product.shop).sort()).toEqual(['_id', 'address', 'avatar', 'createdAt', 'description', 'name', 'ratings']);
  });

  it('when the id is malformed, answers 400 naming id; when it is unknown, 404', async () => {
    const bad = await app.client().get('/product/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('id');
    const unknown = await app.client().get('/product/prod_00000000000000000000000000');
    expect(unknown.status).toBe(404);
  });

  it('shows the average rating with one decimal, computed from the stored sum and count', async () => {
    const created = await createProduct(seller.client);
    // Ratings come from reviews (checkout issue); here the counters are set as a review would leave them.
    await db().update(products).set({ ratingSum: 17, ratingCount: 4 }).where(eq(products.id, created._id));
    const res = await app.client().get(`/product/${created._id}`);
    expect(res.body.product).toMatchObject({ ratings: 4.3, numReviews: 4 });
  });
});

describe('PUT /product/:id', () => {
  it('when the owner edits prices and stock, stores cents and answers the updated product; sold_out and ratings stay', async () => {
    const created = await createProduct(seller.client);
    await db().update(products).set({ ratingSum: 9, ratingCount: 2 }).where(eq(products.id, created._id));
    await db().update(productStock).set({ soldCount: 7 }).where(eq(productStock.productId, created._id));
    const res = await seller.client.put(`/product/${created._id}`, {
      originalPrice: '30.10',
      discountPrice: null,
      stock: 40,
      sold_out: 0,
      ratings: 5,
      shopId: rival.seller._id,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.product).toMatchObject({ originalPrice: 30.1, discountPrice: null, price: 30.1, stock: 40, sold_out: 7, ratings: 4.5, shopId: seller.seller._id });
    expect(await row(created._id)).toMatchObject({ originalPriceMinor: 3010, discountPriceMinor: null, stock: 40, soldCount: 7, ratingSum: 9, shopId: seller.seller._id });
  });

  it('when new images are sent, replaces all of them and deletes the old files from the media store', async () => {
    const created = await createProduct(seller.client, { images: [PNG_URL, PNG_URL] });
    const old = created.images.map((i: { public_id: string }) => i.public_id);
    old.forEach((id: string) => expect(existsSync(mediaFile(id))).toBe(true));
    const res = await seller.client.put(`/product/${created._id}`, { images: [PNG_URL] });
    expect(res.status).toBe(200);
    expect(res.body.product.images).toHaveLength(1);
    const fresh = res.body.product.images[0].public_id;
    expect(old).not.toContain(fresh);
    expect(existsSync(mediaFile(fresh))).toBe(true);
    old.forEach((id: string) => expect(existsSync(mediaFile(id))).toBe(false));
    expect((await row(created._id))!.images).toEqual(res.body.product.images);
  });

  it('when no images are sent, keeps the current ones', async () => {
    const created = await createProduct(seller.client);
    const res = await seller.client.put(`/product/${created._id}`, { name: 'Renamed Backpack' });
    expect(res.body.product).toMatchObject({ name: 'Renamed Backpack', images: created.images });
    expect(existsSync(mediaFile(created.images[0].public_id))).toBe(true);
  });

  it('when the discount would not be below the (new or current) original price, answers 400 naming the field and changes nothing', async () => {
    const created = await createProduct(seller.client); // 19.99, discount 14.50
    const tooHigh = await seller.client.put(`/product/${created._id}`, { discountPrice: 20 });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.fields).toHaveProperty('discountPrice');
    const belowDiscount = await seller.client.put(`/product/${created._id}`, { originalPrice: 10 });
    expect(belowDiscount.status).toBe(400);
    expect(belowDiscount.body.fields).toHaveProperty('originalPrice');
    expect(await row(created._id)).toMatchObject({ originalPriceMinor: 1999, discountPriceMinor: 1450 });
  });

  it('when the stock is negative or fractional, answers 400 naming stock', async () => {
    const created = await createProduct(seller.client);
    for (const stock of [-3, 1.5, '2.5']) {
      const res = await seller.client.put(`/product/${created._id}`, { stock });
      expect(res.status).toBe(400);
      expect(res.body.fields).toHaveProperty('stock');
    }
    expect((await row(created._id))!.stock).toBe(12);
  });

  it("when another shop edits the product, answers 403 and changes nothing, not even the media store", async () => {
    const created = await createProduct(seller.client);
    const before = await row(created._id);
    const res = await rival.client.put(`/product/${created._id}`, { name: 'Stolen', stock: 0, images: [PNG_URL] });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(await row(created._id)).toEqual(before);
    expect(existsSync(mediaFile(created.images[0].public_id))).toBe(true);
  });

  it('when the id is malformed, answers 400 naming id; when it is unknown, 404; without a seller session, 401', async () => {
    expect((await seller.client.put('/product/123', { stock: 1 })).body.fields).toHaveProperty('id');
    expect((await seller.client.put('/product/prod_00000000000000000000000000', { stock: 1 })).status).toBe(404);
    expect((await app.client().put('/product/prod_00000000000000000000000000', { stock: 1 })).status).toBe(401);
  });
});

describe('DELETE /product/:id', () => {
  it("when another shop deletes the product, answers 403 and the product stays", async () => {
    const created = await createProduct(seller.client);
    const res = await rival.client.delete(`/product/${created._id}`);
    expect(res.status).toBe(403);
    expect((await row(created._id))!.deletedAt).toBeNull();
    expect((await app.client().get(`/product/${created._id}`)).status).toBe(200);
  });

  it('when the owner deletes it, answers with a message; the row is soft-deleted, hidden everywhere, and a second delete is 404', async () => {
    const created = await createProduct(seller.client);
    const res = await seller.client.delete(`/product/${created._id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });
    expect((await row(created._id))!.deletedAt).toBeInstanceOf(Date);
    expect((await app.client().get(`/product/${created._id}`)).status).toBe(404);
    expect((await seller.client.get(`/product/${created._id}`)).status).toBe(404);
    const list = await app.client().get(`/product/shop/${seller.seller._id}?limit=100`);
    expect(list.body.products.map((p: { _id: string }) => p._id)).not.toContain(created._id);
    // Past orders still show the pictures, so the files stay.
    expect(existsSync(mediaFile(created.images[0].public_id))).toBe(true);
    expect((await seller.client.delete(`/product/${created._id}`)).status).toBe(404);
  });

  it('when the id is an event id, answers 400 naming id (products and events have their own routes)', async () => {
    const res = await seller.client.delete('/product/evt_00000000000000000000000000');
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('id');
  });
});
