import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveListing, hideListing, rejectListing } from '../../src/core/catalog/index.ts';
import { auditLog, products } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpAdmin, signUpShop, signUpUser } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

const PNG_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const body = (name: string) => ({ name, description: 'Sold with care.', category: 'Gifts', originalPrice: 12.5, stock: 4, images: [PNG_URL] });

async function create(client: TestClient, name: string) {
  const res = await client.post('/product', body(name));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.product as { _id: string; status: string };
}

const publicNames = async (app: TestApp) =>
  (await app.client().get('/product/get-all-products?limit=100')).body.products.map((p: { name: string }) => p.name) as string[];

async function auditRows(app: TestApp, target: string) {
  return app.core.database.db.select().from(auditLog).where(eq(auditLog.target, target)).orderBy(auditLog.createdAt);
}

describe('PRODUCT_MODERATION=post (default)', () => {
  let app: TestApp;
  let seller: Awaited<ReturnType<typeof signUpShop>>;
  let admin: Awaited<ReturnType<typeof signUpAdmin>>;
  const adminCtx = () => app.core.ctx({ kind: 'user', id: admin.user._id, role: 'Admin' });
  beforeAll(async () => {
    app = await startTestApp();
    [seller, admin] = await Promise.all([signUpShop(app), signUpAdmin(app)]);
  });
  afterAll(() => app?.close());

  it('a new listing is active and public at once', async () => {
    const product = await create(seller.client, 'Scented Candle');
    expect(product.status).toBe('active');
    expect(await publicNames(app)).toContain('Scented Candle');
  });

  it('when an admin hides a listing, it leaves the catalog and its page (404), the seller sees why, and an audit row records who and why', async () => {
    const product = await create(seller.client, 'Knock-off Watch');
    const result = await hideListing(adminCtx(), { id: product._id, reason: 'Counterfeit brand' });
    expect(result).toMatchObject({ _id: product._id, from: 'active', status: 'hidden', reason: 'Counterfeit brand' });

    expect(await publicNames(app)).not.toContain('Knock-off Watch');
    expect((await app.client().get(`/product/${product._id}`)).status).toBe(404);
    const own = await seller.client.get(`/product/${product._id}`);
    expect(own.body.product).toMatchObject({ status: 'hidden', moderationReason: 'Counterfeit brand' });
    const [row] = await app.core.database.db.select().from(products).where(eq(products.id, product._id));
    expect(row).toMatchObject({ status: 'hidden', moderationReason: 'Counterfeit brand' });
    expect(await auditRows(app, product._id)).toEqual([
      expect.objectContaining({ actor: admin.user._id, action: 'listing.hide', reason: 'Counterfeit brand', details: { kind: 'product', shopId: seller.seller._id, from: 'active', to: 'hidden' } }),
    ]);

    // Editing does not bring it back.
    expect((await seller.client.put(`/product/${product._id}`, { name: 'Genuine Watch' })).body.product.status).toBe('hidden');

    const approved = await approveListing(app.core.ctx({ kind: 'operator', name: 'ops' }), { id: product._id, reason: 'Seller proved authenticity' });
    expect(approved).toMatchObject({ status: 'active', reason: null });
    expect(await publicNames(app)).toContain('Genuine Watch');
    const audits = await auditRows(app, product._id);
    expect(audits.map((a) => [a.action, a.actor])).toEqual([
      ['listing.hide', admin.user._id],
      ['listing.approve', 'operator:ops'],
    ]);
    expect((await app.core.database.db.select().from(products).where(eq(products.id, product._id)))[0]!.moderationReason).toBeNull();
  });

  it('refuses decisions that do not apply to the current status with INVALID_STATE, and writes no audit row', async () => {
    const product = await create(seller.client, 'Tea Set');
    await expect(approveListing(adminCtx(), { id: product._id })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(rejectListing(adminCtx(), { id: product._id, reason: 'late' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await auditRows(app, product._id)).toEqual([]);
  });

  it('requires a reason to hide or reject, an admin or operator to decide, and a listing that exists', async () => {
    const product = await create(seller.client, 'Photo Frame');
    await expect(hideListing(adminCtx(), { id: product._id })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { reason: 'is required' } } });
    await expect(hideListing(adminCtx(), { id: product._id, reason: '   ' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(hideListing(app.core.ctx({ kind: 'shop', id: seller.seller._id }), { id: product._id, reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(hideListing(app.core.ctx({ kind: 'user', id: 'usr_x', role: 'User' }), { id: product._id, reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(hideListing(adminCtx(), { id: 'prod_00000000000000000000000000', reason: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(hideListing(adminCtx(), { id: 'shop_00000000000000000000000000', reason: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await app.core.database.db.select().from(products).where(eq(products.id, product._id)))[0]!.status).toBe('active');
  });
});

describe('PRODUCT_MODERATION=pre', () => {
  let app: TestApp;
  let seller: Awaited<ReturnType<typeof signUpShop>>;
  let admin: Awaited<ReturnType<typeof signUpAdmin>>;
  const adminCtx = () => app.core.ctx({ kind: 'user', id: admin.user._id, role: 'Admin' });
  beforeAll(async () => {
    app = await startTestApp({ env: { PRODUCT_MODERATION: 'pre' } });
    [seller, admin] = await Promise.all([signUpShop(app), signUpAdmin(app)]);
  });
  afterAll(() => app?.close());

  it('a new listing waits as pending: invisible to the public, visible to its shop and in the admin queue', async () => {
    const product = await create(seller.client, 'Handmade Mug');
    expect(product.status).toBe('pending');
    expect(await publicNames(app)).not.toContain('Handmade Mug');
    expect((await app.client().get(`/product/${product._id}`)).status).toBe(404);
    expect((await seller.client.get(`/product/${product._id}`)).body.product.status).toBe('pending');
    expect((await admin.client.get(`/product/${product._id}`)).body.product.status).toBe('pending');
    const queue = await admin.client.get('/product/admin-all-products?status=pending');
    expect(queue.status).toBe(200);
    expect(queue.body.products.map((p: { _id: string }) => p._id)).toContain(product._id);
    expect(queue.body).toMatchObject({ success: true, page: 1, total: expect.any(Number), pages: expect.any(Number) });
  });

  it('approval publishes it; a later content edit sends it back to review, a price or stock edit does not', async () => {
    const product = await create(seller.client, 'Puzzle Box');
    await approveListing(adminCtx(), { id: product._id });
    expect(await publicNames(app)).toContain('Puzzle Box');

    const restock = await seller.client.put(`/product/${product._id}`, { stock: 40, originalPrice: 13 });
    expect(restock.body.product.status).toBe('active');
    const edit = await seller.client.put(`/product/${product._id}`, { description: 'Now with 1000 pieces.' });
    expect(edit.body.product.status).toBe('pending');
    expect(await publicNames(app)).not.toContain('Puzzle Box');
  });

  it('rejection keeps it off the catalog with the reason for the seller; an edit resubmits it', async () => {
    const product = await create(seller.client, 'Plush Toy');
    const rejected = await rejectListing(adminCtx(), { id: product._id, reason: 'Blurry photos' });
    expect(rejected).toMatchObject({ from: 'pending', status: 'rejected' });
    const own = await seller.client.get(`/product/${product._id}`);
    expect(own.body.product).toMatchObject({ status: 'rejected', moderationReason: 'Blurry photos' });
    const [audit] = await auditRows(app, product._id);
    expect(audit).toMatchObject({ action: 'listing.reject', reason: 'Blurry photos' });

    const resubmitted = await seller.client.put(`/product/${product._id}`, { images: [PNG_URL] });
    expect(resubmitted.body.product).toMatchObject({ status: 'pending', moderationReason: null });
  });

  it('an admin can hide a pending listing so it never shows', async () => {
    const product = await create(seller.client, 'Greeting Cards');
    await hideListing(adminCtx(), { id: product._id, reason: 'Spam' });
    const hidden = await admin.client.get('/product/admin-all-products?status=hidden');
    expect(hidden.body.products.map((p: { _id: string }) => p._id)).toEqual([product._id]);
    expect(await publicNames(app)).not.toContain('Greeting Cards');
  });
});

describe('GET /product/admin-all-products', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it("lists every shop's products of any status, filtered by status and shop, paginated", async () => {
    const [a, b, admin] = await Promise.all([signUpShop(app), signUpShop(app), signUpAdmin(app)]);
    const p1 = await create(a.client, 'Alpha');
    const p2 = await create(b.client, 'Beta');
    await create(b.client, 'Gamma');
    await hideListing(app.core.ctx({ kind: 'operator', name: 't' }), { id: p2._id, reason: 'x' });

    const all = await admin.client.get('/product/admin-all-products?limit=2');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, page: 1, pages: 2 });
    expect(all.body.products.map((p: { name: string }) => p.name)).toEqual(['Gamma', 'Beta']);
    const hidden = await admin.client.get('/product/admin-all-products?status=hidden');
    expect(hidden.body.products.map((p: { _id: string }) => p._id)).toEqual([p2._id]);
    const active = await admin.client.get(`/product/admin-all-products?status=active&shop=${a.seller._id}`);
    expect(active.body.products.map((p: { _id: string }) => p._id)).toEqual([p1._id]);
    expect(
      await app.core.database.db.$count(products, and(eq(products.status, 'hidden'), eq(products.id, p2._id))),
    ).toBe(1);
  });

  it('answers 401 without a session, 401 to a seller session, 403 to a buyer, and 400 naming status for an unknown one', async () => {
    const [seller, buyer, admin] = await Promise.all([signUpShop(app), signUpUser(app), signUpAdmin(app)]);
    expect((await app.client().get('/product/admin-all-products')).status).toBe(401);
    expect((await seller.client.get('/product/admin-all-products')).status).toBe(401);
    expect((await buyer.client.get('/product/admin-all-products')).status).toBe(403);
    const bad = await admin.client.get('/product/admin-all-products?status=deleted');
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('status');
    const tooMany = await admin.client.get('/product/admin-all-products?limit=1000');
    expect(tooMany.body.fields).toHaveProperty('limit');
  });
});
