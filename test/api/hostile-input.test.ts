import { gzipSync } from 'node:zlib';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartItems, orders, pendingRegistrations, products } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { addToCart, ADDRESS, listProduct, PNG_DATA_URL } from '../helpers/commerce.ts';
import { PASSWORD, shopFields, signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { sendRaw, type TestClient, type TestResponse } from '../helpers/http.ts';

/*
 * Issue 15: what a hostile client found. Each describe is one finding; each would have failed
 * before the fix (a 500, a stalled request or personal data in the log).
 */

let app: TestApp;
const logLines: string[] = [];
let buyer: Awaited<ReturnType<typeof signUpUser>>;
let seller: Awaited<ReturnType<typeof signUpShop>>;

beforeAll(async () => {
  app = await startTestApp({ logLines });
  [buyer, seller] = await Promise.all([signUpUser(app), signUpShop(app)]);
});
afterAll(() => app?.close());

const db = () => app.core.database.db;

function expectClientError(res: TestResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, code, message: expect.any(String) });
}

describe('malformed multipart bodies (finding 1)', () => {
  const boundary = 'zzz';
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const bodies = (email: string) => [
    { label: 'garbage after a boundary parameter', type: `multipart/form-data; boundary=${boundary}`, body: 'garbage' },
    { label: 'no boundary parameter', type: 'multipart/form-data', body: 'garbage' },
    {
      label: 'no closing boundary',
      type: `multipart/form-data; boundary=${boundary}`,
      body: part('name', 'Ann') + part('email', email) + part('password', PASSWORD),
    },
    { label: 'a broken part header', type: `multipart/form-data; boundary=${boundary}`, body: `--${boundary}\r\nno header separator\r\n` },
  ];

  it('answers 400 naming the multipart problem on every route that takes multipart, signed in or not, and stores nothing', async () => {
    const productId = await listProduct(seller.client);
    const routes: [TestClient, string, string][] = [
      [app.client(), 'POST', '/user/register'],
      [app.client(), 'POST', '/shop/register'],
      [buyer.client, 'PUT', '/user/update-avatar'],
      [seller.client, 'PUT', '/shop/update-avatar'],
      [seller.client, 'POST', '/product'],
      [seller.client, 'PUT', `/product/${productId}`],
      [seller.client, 'POST', '/event/create-event'],
    ];
    const email = uniqueEmail('multipart');
    for (const [client, method, path] of routes) {
      for (const { label, type, body } of bodies(email)) {
        const res = await client.request(method, path, { body, headers: { 'content-type': type } });
        expect(res.status, `${method} ${path} with ${label}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED', message: expect.stringMatching(/^Malformed multipart\/form-data body/) });
      }
    }
    expect(await db().$count(pendingRegistrations, eq(pendingRegistrations.email, email))).toBe(0);
    expect(await db().$count(products, eq(products.shopId, seller.seller._id))).toBe(1);
  });

  it('still reads a well-formed multipart sign-up', async () => {
    const form = new FormData();
    form.set('name', 'Form Ann');
    form.set('email', uniqueEmail('form'));
    form.set('password', PASSWORD);
    expect((await app.client().request('POST', '/user/register', { body: form })).status).toBe(201);
  });
});

describe('text PostgreSQL cannot store: unpaired surrogates and NUL (finding 2)', () => {
  it('when a sign-up name holds a lone surrogate escape, answers 400 naming the field and records no sign-up', async () => {
    for (const name of ['a\ud800b', 'a\udfffb', '\ud83d']) {
      const email = uniqueEmail('surrogate');
      const res = await app.client().post('/user/register', { name, email, password: PASSWORD });
      expectClientError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.fields).toEqual({ name: expect.stringMatching(/unpaired surrogates/) });
      expect(await db().$count(pendingRegistrations, eq(pendingRegistrations.email, email))).toBe(0);
    }
    // The same escapes as a client writes them in raw JSON text.
    const raw = await app.client().request('POST', '/user/register', {
      body: `{"name":"a\\ud800b","email":"${uniqueEmail('raw')}","password":"${PASSWORD}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expectClientError(raw, 400, 'VALIDATION_FAILED');
  });

  it('when a shop sign-up or a multipart field holds one, answers 400 naming the field', async () => {
    const shop = await app.client().post('/shop/register', { ...shopFields(), name: 'Shop \udc00', address: 'x\ud800' });
    expectClientError(shop, 400, 'VALIDATION_FAILED');
    expect(Object.keys(shop.body.fields).sort()).toEqual(['address', 'name']);
    const form = new FormData();
    form.set('name', 'a\ud800b');
    form.set('email', uniqueEmail('form'));
    form.set('password', PASSWORD);
    const multipart = await app.client().request('POST', '/user/register', { body: form });
    // FormData encodes the unpaired half as U+FFFD, which PostgreSQL stores: a valid sign-up.
    expect([201, 400]).toContain(multipart.status);
  });

  it('when a checkout shipping address holds one, answers 400; no order is written and the cart is kept', async () => {
    const shopper = await signUpUser(app);
    const productId = await listProduct(seller.client);
    await addToCart(shopper.client, productId);
    const res = await shopper.client.post('/order/create-order', {
      shippingAddress: { ...ADDRESS, city: 'Spring\ud800field' },
      paymentInfo: { type: 'Cash On Delivery' },
    });
    expectClientError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.fields).toHaveProperty(['shippingAddress.city']);
    expect(await db().$count(orders, eq(orders.userId, shopper.user._id))).toBe(0);
    expect(await db().$count(cartItems, eq(cartItems.userId, shopper.user._id))).toBe(1);
  });

  it('when an object key holds NUL or a lone surrogate, or the body nests too deep, answers 400', async () => {
    for (const body of ['{"name\\u0000":"x"}', '{"a\\ud800":1}', `${'['.repeat(40)}${']'.repeat(40)}`]) {
      const res = await buyer.client.request('PUT', '/user/update-info', { body, headers: { 'content-type': 'application/json' } });
      expectClientError(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('accepts well-formed surrogate pairs (emoji) and stores them as sent', async () => {
    const res = await buyer.client.put('/user/update-info', { name: 'Ann 😀 Buyer' });
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('Ann 😀 Buyer');
  });
});

describe('dates out of range (finding 3)', () => {
  const event = (over: Record<string, unknown>) => ({
    name: 'Flash sale',
    description: 'Everything must go',
    category: 'Testing',
    originalPrice: 20,
    stock: 5,
    images: [PNG_DATA_URL],
    start_Date: '2030-01-01',
    finish_Date: '2030-01-08',
    ...over,
  });

  it('when an event starts on 0000-01-01 (or another date PostgreSQL or the calendar refuses), answers 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ start_Date: '0000-01-01' }, 'start_Date'],
      [{ start_Date: '0000-01-01T00:00:00Z' }, 'start_Date'],
      [{ start_Date: '1999-12-31' }, 'start_Date'],
      [{ finish_Date: '0001-01-01' }, 'finish_Date'],
      [{ start_Date: '2030-02-30' }, 'start_Date'],
    ];
    for (const [over, field] of cases) {
      const res = await seller.client.post('/event/create-event', event(over));
      expectClientError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.fields, JSON.stringify(over)).toHaveProperty(field);
    }
    expect((await seller.client.post('/event/create-event', event({}))).status).toBe(201);
  });

  it('when a coupon expiry is out of range, as a string or epoch milliseconds, answers 400', async () => {
    for (const expiresAt of ['0000-01-01', -8.64e15, 8.64e15, 1e300]) {
      const res = await seller.client.post('/coupon/create-coupon', { name: `EXP${Math.random().toString(36).slice(2, 8)}`, value: 10, expiresAt });
      expectClientError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.fields).toHaveProperty('expiresAt');
    }
  });
});

describe('bodies are parsed per route, small by default (finding 5)', () => {
  it('an unknown route never parses its body: malformed JSON there is a 404, not a 400', async () => {
    const res = await app.client().request('POST', '/nope', { body: '{"broken": ', headers: { 'content-type': 'application/json' } });
    expectClientError(res, 404, 'NOT_FOUND');
  });

  it('a route with images checks the session before reading the body', async () => {
    for (const path of ['/product', '/event/create-event']) {
      const res = await app.client().request('POST', path, { body: '{"broken": ', headers: { 'content-type': 'application/json' } });
      expectClientError(res, 401, 'UNAUTHENTICATED');
    }
  });

  it('a JSON body over JSON_BODY_LIMIT_KB (64 KB) is a 413 on a route without images, even signed in', async () => {
    const big = { name: 'x'.repeat(100 * 1024) };
    const login = await app.client().post('/user/login', { email: uniqueEmail(), password: PASSWORD, pad: big.name });
    expectClientError(login, 413, 'PAYLOAD_TOO_LARGE');
    expect(login.body.message).toMatch(/at most 64 KB/);
    expectClientError(await buyer.client.put('/user/update-info', big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body declared larger than the limit is refused before it is sent, and the connection is closed', async () => {
    const declared = { 'content-type': 'application/json', 'content-length': 40 * 1024 * 1024 };
    for (const [path, headers] of [
      ['/api/v1/user/login', {}],
      ['/api/v1/product', { authorization: `Bearer ${seller.client.cookies.get('seller_token')}` }],
      ['/api/v1/nope', {}],
    ] as const) {
      const res = await sendRaw(app.url, { method: 'POST', path, headers: { ...declared, ...headers }, body: '{"a":', timeoutMs: 5000 });
      expect(res, path).toMatchObject({ headers: { connection: 'close' } });
      expect('status' in res && res.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('a compressed body is a 415: a few kilobytes of gzip could inflate to any size', async () => {
    const body = gzipSync(JSON.stringify({ email: uniqueEmail(), password: PASSWORD }));
    const res = await app.client().request('POST', '/user/login', { body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expectClientError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an image route takes a large body of images but not one of millions of small values', async () => {
    const values = { ...listingFields(), images: [PNG_DATA_URL], junk: Array.from({ length: 200_000 }, () => [0]) };
    const res = await seller.client.post('/product', values);
    expectClientError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.body.message).toMatch(/too many JSON values/);
    // Five real images of 600 KB each: about 4 MB of JSON, far over the small limit, and accepted.
    const png = Buffer.concat([Buffer.from(PNG_DATA_URL.split(',')[1]!, 'base64'), Buffer.alloc(600 * 1024, 1)]);
    const images = Array.from({ length: 5 }, () => `data:image/png;base64,${png.toString('base64')}`);
    expect((await seller.client.post('/product', { ...listingFields(), images })).status).toBe(201);
  });
});

function listingFields() {
  return { name: 'Lamp', description: 'Bright', category: 'Testing', originalPrice: 12, stock: 3 };
}

describe('logs carry no personal data or secrets (finding 4)', () => {
  const failInserts = async (table: string) => {
    await db().execute(sql.raw(`CREATE OR REPLACE FUNCTION test_injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`));
    await db().execute(sql.raw(`CREATE TRIGGER test_injected_failure BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION test_injected_failure()`));
    return () => db().execute(sql.raw(`DROP TRIGGER test_injected_failure ON ${table}`));
  };
  const logged = () => logLines.join('\n');
  const unhandled = () => logLines.map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> }).filter((l) => l.msg === 'unhandled error');

  it('when a sign-up fails in the database, the log names the failure but not the email, name, password or hash', async () => {
    const restore = await failInserts('pending_registrations');
    const email = uniqueEmail('leaky.lou');
    const password = 'Leaky-Password-123';
    try {
      const res = await app.client().post('/user/register', { name: 'Leaky Lou', email, password });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ success: false, message: 'Internal server error', code: 'INTERNAL' });
    } finally {
      await restore();
    }
    const line = unhandled().at(-1)!;
    expect(line.err).toMatchObject({ code: 'P0001', statement: 'insert into "pending_registrations"' });
    for (const value of [email, email.split('@')[0]!, password, 'Leaky Lou', '$argon2']) expect(logged()).not.toContain(value);
  });

  it("when a shop's sign-up fails in the database, neither its phone, address, zip code, email nor hash is logged", async () => {
    const restore = await failInserts('pending_registrations');
    const fields = { ...shopFields(), phoneNumber: '+1 555 867 5309', address: '742 Evergreen Terrace', zipCode: 'ZX-9876' };
    try {
      expect((await app.client().post('/shop/register', fields)).status).toBe(500);
    } finally {
      await restore();
    }
    for (const value of [fields.email, fields.phoneNumber, fields.address, fields.zipCode, fields.password, '$argon2']) expect(logged()).not.toContain(value);
  });

  it("when a checkout fails in the database, neither the buyer's name, email, address nor session token is logged", async () => {
    const shopper = await signUpUser(app, { name: 'Penny Private' });
    const token = shopper.client.cookies.get('token')!;
    await addToCart(shopper.client, await listProduct(seller.client));
    const address = { ...ADDRESS, address1: '31 Spooner Street', city: 'Quahog' };
    const restore = await failInserts('orders');
    try {
      const res = await shopper.client.post(
        '/order/create-order',
        { shippingAddress: address, paymentInfo: { type: 'Cash On Delivery' } },
        { authorization: `Bearer ${token}` },
      );
      expect(res.status).toBe(500);
    } finally {
      await restore();
    }
    expect(unhandled().at(-1)!.err).toMatchObject({ code: 'P0001' });
    for (const value of [shopper.email, 'Penny Private', address.address1, 'Quahog', token]) expect(logged()).not.toContain(value);
  });

  it("the issue's hostile requests leave no email, hash or token in the log either", async () => {
    const email = uniqueEmail('hostile.hank');
    await app.client().post('/user/register', { name: 'a\ud800b', email, password: PASSWORD });
    await app.client().post('/shop/register', { ...shopFields(), email, name: '\ud800' });
    await seller.client.post('/event/create-event', { start_Date: '0000-01-01', finish_Date: '2030-01-01' });
    await app.client().request('POST', '/user/register', { body: 'garbage', headers: { 'content-type': 'multipart/form-data; boundary=zzz' } });
    expect(unhandled()).toHaveLength(3);
    for (const value of [email, '$argon2', seller.client.cookies.get('seller_token')!]) expect(logged()).not.toContain(value);
  });

});
