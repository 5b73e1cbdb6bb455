import { existsSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hideListing } from '../../src/core/catalog/index.ts';
import { queryRows } from '../../src/core/db/index.ts';
import { products, productStock } from '../../src/core/db/schema/index.ts';
import { setShopBan } from '../../src/core/shops/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpAdmin, signUpShop, signUpUser } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

const PNG_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

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

const eventBody = (over: Record<string, unknown> = {}) => ({
  name: 'Summer Sale Sneakers',
  description: 'Three days only.',
  category: 'Shoes',
  tags: 'summer,sale',
  originalPrice: 80,
  discountPrice: 59.99,
  stock: 20,
  images: [PNG_URL],
  start_Date: at(-HOUR),
  finish_Date: at(3 * DAY),
  ...over,
});

async function createEvent(client: TestClient, over: Record<string, unknown> = {}) {
  const res = await client.post('/event/create-event', eventBody(over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.event as Record<string, any>;
}

/** Moves an event's window into the past, as time passing would. */
async function endEvent(id: string) {
  await db().update(products).set({ startsAt: new Date(Date.now() - 5 * DAY), endsAt: new Date(Date.now() - DAY) }).where(eq(products.id, id));
}

describe('POST /event/create-event', () => {
  it('when a seller creates a running event, answers 201 with the listing fields, the window under both finish keys and eventStatus running', async () => {
    const start = at(-HOUR);
    const finish = at(3 * DAY);
    const res = await seller.client.post('/event/create-event', { ...eventBody({ start_Date: start, finish_Date: finish }), shopId: rival.seller._id, sold_out: 9 });
    expect(res.status).toBe(201);
    const event = res.body.event;
    expect(event).toMatchObject({
      _id: expect.stringMatching(/^evt_[0-9a-z]{26}$/),
      kind: 'event',
      name: 'Summer Sale Sneakers',
      tags: ['summer', 'sale'],
      originalPrice: 80,
      discountPrice: 59.99,
      price: 59.99,
      stock: 20,
      sold_out: 0,
      shopId: seller.seller._id,
      shop: { _id: seller.seller._id, name: 'Maple Store' },
      status: 'active',
      start_Date: start,
      finish_Date: finish,
      Finish_Date: finish,
      eventStatus: 'running',
    });
    expect(existsSync(path.join(app.config.media.dir, event.images[0].public_id))).toBe(true);
    expect(await row(event._id)).toMatchObject({ kind: 'event', startsAt: new Date(start), endsAt: new Date(finish), priceMinor: 5999 });
  });

  it('an event that starts later is upcoming; a date without time means midnight UTC', async () => {
    const event = await createEvent(seller.client, { start_Date: '2999-01-01', finish_Date: '2999-01-08' });
    expect(event).toMatchObject({ eventStatus: 'upcoming', start_Date: '2999-01-01T00:00:00.000Z', finish_Date: '2999-01-08T00:00:00.000Z' });
  });

  it.each([
    ['a finish before the start', { start_Date: at(2 * DAY), finish_Date: at(DAY) }, 'finish_Date'],
    ['a finish equal to the start', { start_Date: '2999-01-01T00:00:00Z', finish_Date: '2999-01-01T00:00:00Z' }, 'finish_Date'],
    ['a finish in the past', { start_Date: at(-3 * DAY), finish_Date: at(-DAY) }, 'finish_Date'],
    ['a start that is not a date', { start_Date: 'next tuesday' }, 'start_Date'],
    ['a local time without offset', { start_Date: '2999-01-01T10:00' }, 'start_Date'],
    ['a missing finish', { finish_Date: undefined }, 'finish_Date'],
    ['negative stock', { stock: -1 }, 'stock'],
    ['a price with more than 2 decimals', { originalPrice: '80.001' }, 'originalPrice'],
    ['a discount above the original price', { discountPrice: 81 }, 'discountPrice'],
    ['more than 5 images', { images: Array(6).fill(PNG_URL) }, 'images'],
  ])('when the body has %s, answers 400 naming the field and creates nothing', async (_label, over, field) => {
    const before = await db().$count(products);
    const res = await seller.client.post('/event/create-event', eventBody(over));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.fields).toHaveProperty([field]);
    expect(await db().$count(products)).toBe(before);
  });

  it('answers 401 without a seller session', async () => {
    const buyer = await signUpUser(app);
    expect((await buyer.client.post('/event/create-event', eventBody())).status).toBe(401);
  });
});

describe('GET /event/get-all-events', () => {
  it('lists running and upcoming events of live shops (running first), never ended, hidden or deleted ones, and not plain products', async () => {
    const fresh = await startTestApp();
    try {
      const [a, b] = await Promise.all([signUpShop(fresh), signUpShop(fresh)]);
      const mk = async (client: TestClient, name: string, start: number, finish: number) => {
        const res = await client.post('/event/create-event', eventBody({ name, start_Date: at(start), finish_Date: at(finish) }));
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return res.body.event._id as string;
      };
      await mk(a.client, 'Upcoming Later', 5 * DAY, 9 * DAY);
      await mk(a.client, 'Running Now', -DAY, 2 * DAY);
      await mk(b.client, 'Upcoming Soon', DAY, 4 * DAY);
      const ended = await mk(a.client, 'Ended', -HOUR, DAY);
      await fresh.core.database.db.update(products).set({ startsAt: new Date(Date.now() - 5 * DAY), endsAt: new Date(Date.now() - DAY) }).where(eq(products.id, ended));
      const hidden = await mk(a.client, 'Hidden', -HOUR, DAY);
      await hideListing(fresh.core.ctx({ kind: 'operator', name: 't' }), { id: hidden, reason: 'x' });
      const deleted = await mk(b.client, 'Deleted', -HOUR, DAY);
      expect((await b.client.delete(`/event/delete-event/${deleted}`)).status).toBe(200);
      expect((await a.client.post('/product', { ...eventBody({ name: 'Plain Product' }), start_Date: undefined, finish_Date: undefined })).status).toBe(201);

      const res = await fresh.client().get('/event/get-all-events');
      expect(res.status).toBe(200);
      expect(res.body.events.map((e: { name: string; eventStatus: string }) => [e.name, e.eventStatus])).toEqual([
        ['Running Now', 'running'],
        ['Upcoming Soon', 'upcoming'],
        ['Upcoming Later', 'upcoming'],
      ]);
      expect(res.body).toMatchObject({ success: true, total: 3, page: 1, pages: 1 });
      for (const e of res.body.events) expect(e.Finish_Date).toBe(e.finish_Date);

      const page2 = await fresh.client().get('/event/get-all-events?limit=2&page=2');
      expect(page2.body.events.map((e: { name: string }) => e.name)).toEqual(['Upcoming Later']);
      expect(page2.body).toMatchObject({ total: 3, page: 2, pages: 2 });

      await setShopBan(fresh.core.ctx({ kind: 'operator', name: 't' }), b.seller._id, true, 'fraud');
      const afterBan = await fresh.client().get('/event/get-all-events');
      expect(afterBan.body.events.map((e: { name: string }) => e.name)).toEqual(['Running Now', 'Upcoming Later']);
    } finally {
      await fresh.close();
    }
  });

  it('when the limit is above the maximum, answers 400 naming limit', async () => {
    const res = await app.client().get('/event/get-all-events?limit=101');
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('limit');
  });
});

describe('GET /event/get-all-events/:shopId', () => {
  it("lists one shop's running and upcoming events; the shop itself also sees its hidden ones", async () => {
    const shop = await signUpShop(app);
    const visible = await createEvent(shop.client, { name: 'Visible' });
    const hidden = await createEvent(shop.client, { name: 'Taken Down' });
    const ended = await createEvent(shop.client, { name: 'Over' });
    await endEvent(ended._id);
    await hideListing(app.core.ctx({ kind: 'operator', name: 't' }), { id: hidden._id, reason: 'Misleading' });
    await createEvent(rival.client, { name: 'Elsewhere' });

    const pub = await app.client().get(`/event/get-all-events/${shop.seller._id}`);
    expect(pub.body.events.map((e: { _id: string }) => e._id)).toEqual([visible._id]);
    expect(pub.body).toMatchObject({ total: 1, page: 1, pages: 1 });
    const own = await shop.client.get(`/event/get-all-events/${shop.seller._id}`);
    expect(own.body.events.map((e: { name: string; status: string }) => [e.name, e.status]).sort()).toEqual([
      ['Taken Down', 'hidden'],
      ['Visible', 'active'],
    ]);
  });

  it('answers 400 naming shopId for a malformed id and 404 for an unknown shop', async () => {
    const bad = await app.client().get('/event/get-all-events/not-a-shop');
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('shopId');
    expect((await app.client().get('/event/get-all-events/shop_00000000000000000000000000')).status).toBe(404);
  });
});

describe('DELETE /event/delete-event/:id', () => {
  it('when another shop deletes the event, answers 403 and it stays listed', async () => {
    const event = await createEvent(seller.client, { name: 'Keep Me' });
    const res = await rival.client.delete(`/event/delete-event/${event._id}`);
    expect(res.status).toBe(403);
    expect((await row(event._id))!.deletedAt).toBeNull();
  });

  it('when the owner deletes it, answers with a message and it disappears from every list and page', async () => {
    const event = await createEvent(seller.client, { name: 'Short Lived' });
    const res = await seller.client.delete(`/event/delete-event/${event._id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });
    expect((await row(event._id))!.deletedAt).toBeInstanceOf(Date);
    const list = await app.client().get(`/event/get-all-events/${seller.seller._id}?limit=100`);
    expect(list.body.events.map((e: { _id: string }) => e._id)).not.toContain(event._id);
    expect((await app.client().get(`/product/${event._id}`)).status).toBe(404);
  });

  it('answers 400 naming id for a product id or garbage, 404 for an unknown event, 401 without a seller session', async () => {
    const product = await seller.client.post('/product', { ...eventBody(), start_Date: undefined, finish_Date: undefined });
    const wrongKind = await seller.client.delete(`/event/delete-event/${product.body.product._id}`);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.fields).toHaveProperty('id');
    expect((await seller.client.delete('/event/delete-event/evt_00000000000000000000000000')).status).toBe(404);
    expect((await app.client().delete('/event/delete-event/evt_00000000000000000000000000')).status).toBe(401);
  });
});

describe('GET /event/admin-all-events', () => {
  it('shows admins every event, ended ones included, filtered by status', async () => {
    const admin = await signUpAdmin(app);
    const ended = await createEvent(seller.client, { name: 'Archived Deal' });
    await endEvent(ended._id);
    const hidden = await createEvent(seller.client, { name: 'Bad Deal' });
    await hideListing(app.core.ctx({ kind: 'operator', name: 't' }), { id: hidden._id, reason: 'x' });

    const all = await admin.client.get('/event/admin-all-events?limit=100');
    expect(all.status).toBe(200);
    const byId = new Map(all.body.events.map((e: { _id: string; eventStatus: string }) => [e._id, e.eventStatus]));
    expect(byId.get(ended._id)).toBe('ended');
    expect(byId.has(hidden._id)).toBe(true);
    expect(all.body).toMatchObject({ page: 1, total: all.body.events.length });
    const onlyHidden = await admin.client.get('/event/admin-all-events?status=hidden');
    expect(onlyHidden.body.events.map((e: { _id: string }) => e._id)).toContain(hidden._id);
    expect(onlyHidden.body.events.every((e: { status: string }) => e.status === 'hidden')).toBe(true);
    expect(onlyHidden.body.events.map((e: { _id: string }) => e._id)).not.toContain(ended._id);
  });

  it('answers 401 to a seller session and 403 to a buyer', async () => {
    const buyer = await signUpUser(app);
    expect((await seller.client.get('/event/admin-all-events')).status).toBe(401);
    expect((await buyer.client.get('/event/admin-all-events')).status).toBe(403);
  });
});

describe('buying an event only inside its window', () => {
  it('add-to-cart accepts a running event, and refuses one that has not started or has ended (409), whatever the client says', async () => {
    const buyer = await signUpUser(app);
    const running = await createEvent(seller.client, { name: 'Open Now' });
    const upcoming = await createEvent(seller.client, { name: 'Opens Later', start_Date: at(DAY), finish_Date: at(2 * DAY) });
    const ended = await createEvent(seller.client, { name: 'Closed' });
    await endEvent(ended._id);

    const ok = await buyer.client.post('/cart/add-to-cart', { productId: running._id, qty: 1 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const early = await buyer.client.post('/cart/add-to-cart', { productId: upcoming._id, qty: 1 });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/not started/);
    const late = await buyer.client.post('/cart/add-to-cart', { productId: ended._id, qty: 1 });
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/ended/);
    const cart = await buyer.client.get('/cart/get-cart');
    const inCart = cart.body.cart.shops.flatMap((s: { items: { productId: string }[] }) => s.items.map((i) => i.productId));
    expect(inCart).toEqual([running._id]);
  });

  it('checkout refuses an event whose window closed after it went into the cart: 409, no order, stock untouched', async () => {
    const buyer = await signUpUser(app);
    const event = await createEvent(seller.client, { name: 'Flash Sale', stock: 5 });
    expect((await buyer.client.post('/cart/add-to-cart', { productId: event._id, qty: 2 })).status).toBe(200);
    await endEvent(event._id);

    const res = await buyer.client.post('/order/create-order', {
      shippingAddress: { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '12345' },
      paymentInfo: { type: 'Cash On Delivery' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.message).toMatch(/Flash Sale/);
    expect(await row(event._id)).toMatchObject({ stock: 5, soldCount: 0 });
    const [orders] = await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM orders WHERE user_id = ${buyer.user._id}`);
    expect(orders!.n).toBe(0);
  });
});
