import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox, pendingRegistrations, shops, verificationTokens } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, shopFields, signUpAdmin, signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { linkToken } from '../helpers/smtp.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const db = () => app.core.database.db;
const shopRow = async (id: string) => (await db().select().from(shops).where(eq(shops.id, id)))[0];
const activationMail = (email: string) => app.mail.waitFor(email, (m) => /activate/i.test(m.subject));

const bank = (over: Record<string, unknown> = {}) => ({
  bankName: 'First Bank',
  bankCountry: 'Germany',
  bankSwiftCode: 'deutdeff500',
  bankAccountNumber: 'DE89 3704 0044 0532 0130 00',
  bankHolderName: 'Corner Shop GmbH',
  bankAddress: 'Taunusanlage 12, Frankfurt',
  ...over,
});

async function register(body: Record<string, unknown>) {
  const res = await app.client().post('/shop/register', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return linkToken(await activationMail(String(body.email)));
}

describe('POST /shop/register → email → POST /shop/activate-account', () => {
  it('when a seller registers, answers 201 with a message and emails a shop activation link; no shop exists yet', async () => {
    const fields = shopFields();
    const res = await app.client().post('/shop/register', fields);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ success: true, message: expect.stringContaining(fields.email) });
    expect(res.setCookies).toEqual([]);
    expect(await db().$count(shops, eq(shops.email, fields.email))).toBe(0);
    const mail = await activationMail(fields.email);
    expect(mail.subject).toMatch(/shop/i);
    expect(mail.text).toMatch(/http:\/\/localhost:3000\/seller\/activation\/[A-Za-z0-9_-]{20,}/);
  });

  it('when the link is followed, creates the shop, sets seller_token (not token) and answers 201 with seller and token', async () => {
    const fields = shopFields();
    const token = await register(fields);
    const client = app.client();
    const res = await client.post('/shop/activate-account', { activation_token: token });
    expect(res.status).toBe(201);
    expect(res.cookies.seller_token).toBe(res.body.token);
    expect(res.cookies.token).toBeUndefined();
    expect(res.body.seller).toMatchObject({
      name: fields.name,
      email: fields.email,
      phoneNumber: fields.phoneNumber,
      address: fields.address,
      zipCode: fields.zipCode,
      availableBalance: 0,
      withdrawMethod: null,
      role: 'Seller',
    });
    expect(res.body.seller._id).toMatch(/^shop_/);
    expect(res.body.seller).not.toHaveProperty('passwordHash');
    const row = await shopRow(res.body.seller._id);
    expect(row).toMatchObject({ email: fields.email, sessionVersion: 0, shippingFeeMinor: 0, feeBps: null, withdrawMethod: null });
    const me = await client.get('/shop/me');
    expect(me.status).toBe(200);
    expect(me.body.seller._id).toBe(res.body.seller._id);
  });

  it('when the activation token is reused, answers 409 and creates no second shop', async () => {
    const fields = shopFields();
    const token = await register(fields);
    expect((await app.client().post('/shop/activate-account', { activation_token: token })).status).toBe(201);
    const again = await app.client().post('/shop/activate-account', { activation_token: token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(await db().$count(shops, eq(shops.email, fields.email))).toBe(1);
  });

  it('when parallel requests present the same activation token, exactly one shop is created', async () => {
    const fields = shopFields();
    const token = await register(fields);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => app.client().post('/shop/activate-account', { activation_token: token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await db().$count(shops, eq(shops.email, fields.email))).toBe(1);
  });

  it('when the activation token has expired, answers 400 and creates no shop', async () => {
    const fields = shopFields();
    const token = await register(fields);
    const [pending] = await db()
      .select()
      .from(pendingRegistrations)
      .where(and(eq(pendingRegistrations.email, fields.email), eq(pendingRegistrations.kind, 'shop')));
    await db()
      .update(verificationTokens)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(verificationTokens.subjectId, pending!.id));
    const res = await app.client().post('/shop/activate-account', { activation_token: token });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/expired/);
    expect(await db().$count(shops, eq(shops.email, fields.email))).toBe(0);
  });

  it('when a shop already has the email, answers 409', async () => {
    const { email } = await signUpShop(app);
    const res = await app.client().post('/shop/register', { ...shopFields(), email });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
  });

  it('when a buyer account has the email, a shop can still be opened with it (separate account kinds)', async () => {
    const { email } = await signUpUser(app);
    expect((await app.client().post('/shop/register', { ...shopFields(), email })).status).toBe(201);
    const mail = await app.mail.waitFor(email, (m) => /activate your mvshop shop/i.test(m.subject));
    const res = await app.client().post('/shop/activate-account', { activation_token: linkToken(mail) });
    expect(res.status).toBe(201);
    expect(res.body.seller.email).toBe(email);
  });

  it('when required fields are missing or malformed, answers 400 naming each', async () => {
    const res = await app.client().post('/shop/register', { name: 'Shop', email: uniqueEmail('shop'), password: PASSWORD, zipCode: '!!' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(['address', 'phoneNumber', 'zipCode']);
  });

  it('when register carries balance, bank details, fee, role or ids, the shop starts with none of them', async () => {
    const fields = shopFields();
    const token = await register({
      ...fields,
      availableBalance: 99999,
      withdrawMethod: bank(),
      feeBps: 0,
      shippingFeeMinor: 5,
      role: 'Admin',
      verified: true,
      _id: 'shop_01hzzzzzzzzzzzzzzzzzzzzzzz',
      sessionVersion: 7,
    });
    const res = await app.client().post('/shop/activate-account', { activation_token: token });
    expect(res.status).toBe(201);
    expect(res.body.seller).toMatchObject({ availableBalance: 0, withdrawMethod: null, role: 'Seller' });
    expect(res.body.seller._id).not.toBe('shop_01hzzzzzzzzzzzzzzzzzzzzzzz');
    expect(await shopRow(res.body.seller._id)).toMatchObject({
      withdrawMethod: null,
      feeBps: null,
      shippingFeeMinor: 0,
      sessionVersion: 0,
    });
  });
});

describe('POST /shop/login, GET·POST /shop/logout, GET /shop/me', () => {
  it('when the credentials are right, answers 200 with seller and token and sets seller_token', async () => {
    const { email, seller } = await signUpShop(app);
    const client = app.client();
    const res = await client.post('/shop/login', { email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, seller: { _id: seller._id }, token: expect.any(String) });
    expect(res.cookies.seller_token).toBe(res.body.token);
    expect(res.cookies.token).toBeUndefined();
    const me = await client.get('/shop/me');
    expect(me.body.seller).toMatchObject({ _id: seller._id, availableBalance: 0 });
    expect(typeof me.body.seller.availableBalance).toBe('number');
  });

  it('when the password is wrong, answers 401; when only a buyer has the email, 401 too', async () => {
    const { email } = await signUpShop(app);
    expect((await app.client().post('/shop/login', { email, password: 'wrong-password-1' })).status).toBe(401);
    const buyer = await signUpUser(app);
    const res = await app.client().post('/shop/login', { email: buyer.email, password: PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Invalid email or password');
  });

  it('when the shop sign-up is not activated, login is refused with an "activate first" message', async () => {
    const fields = shopFields();
    await register(fields);
    const res = await app.client().post('/shop/login', { email: fields.email, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/activate/i);
  });

  it('when logging out by GET or POST, clears seller_token and /shop/me answers 401', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const { client } = await signUpShop(app);
      const res = await client.request(method, '/shop/logout');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, message: expect.any(String) });
      expect(res.cookies.seller_token).toBe('');
      expect(res.setCookies.join('\n')).toMatch(/seller_token=;.*Expires=Thu, 01 Jan 1970/);
      expect((await client.get('/shop/me')).status).toBe(401);
    }
  });

  it('when there is no seller session, /shop/me answers 401 with a JSON error', async () => {
    const res = await app.client().get('/shop/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, message: expect.any(String), code: 'UNAUTHENTICATED' });
  });
});

describe('GET /shop/shop-info/:id', () => {
  it('shows the public projection only: never bank details, balances, email or phone', async () => {
    const { client, seller } = await signUpShop(app);
    expect((await client.put('/shop/update-payment-method', { withdrawMethod: bank() })).status).toBe(200);
    await client.put('/shop/update-seller-info', { description: 'Fresh bread daily' });
    const res = await app.client().get(`/shop/shop-info/${seller._id}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.shop).sort()).toEqual(['_id', 'address', 'avatar', 'createdAt', 'description', 'name']);
    expect(res.body.shop).toMatchObject({ _id: seller._id, description: 'Fresh bread daily' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('DEUTDEFF500');
    expect(text).not.toContain(seller.email);
  });

  it('when the shop does not exist answers 404; when the id is not a shop id, 400', async () => {
    expect((await app.client().get('/shop/shop-info/shop_01hzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(404);
    expect((await app.client().get('/shop/shop-info/usr_01hzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(400);
  });
});

describe('PUT /shop/update-seller-info', () => {
  it('when whitelisted fields change, the seller profile and the row show them', async () => {
    const { client, seller } = await signUpShop(app);
    const res = await client.put('/shop/update-seller-info', {
      name: 'Corner Bakery',
      description: 'Bread and cakes',
      address: '2 Market Street',
      phoneNumber: '+1 555 0111',
      zipCode: 'SW1A 1AA',
    });
    expect(res.status).toBe(200);
    expect(res.body.seller).toMatchObject({
      name: 'Corner Bakery',
      description: 'Bread and cakes',
      address: '2 Market Street',
      phoneNumber: '+1 555 0111',
      zipCode: 'SW1A 1AA',
    });
    expect(await shopRow(seller._id)).toMatchObject({ name: 'Corner Bakery', zipCode: 'SW1A 1AA' });
  });

  it('when the body carries balance, bank details, email, fees, role, ids or session version, none of them change', async () => {
    const { client, seller } = await signUpShop(app);
    const before = await shopRow(seller._id);
    const res = await client.put('/shop/update-seller-info', {
      name: 'Still Corner',
      availableBalance: 1_000_000,
      withdrawMethod: bank(),
      email: uniqueEmail('evil'),
      feeBps: 0,
      shippingFeeMinor: 99999,
      role: 'Admin',
      verified: true,
      _id: 'shop_01hzzzzzzzzzzzzzzzzzzzzzzz',
      id: 'shop_01hzzzzzzzzzzzzzzzzzzzzzzz',
      sessionVersion: 5,
      passwordHash: 'x',
      bannedAt: null,
      deletedAt: new Date().toISOString(),
    });
    expect(res.status).toBe(200);
    expect(res.body.seller).toMatchObject({ _id: seller._id, name: 'Still Corner', availableBalance: 0, withdrawMethod: null });
    const after = await shopRow(seller._id);
    expect(after).toMatchObject({
      id: before!.id,
      email: before!.email,
      withdrawMethod: null,
      feeBps: null,
      shippingFeeMinor: 0,
      sessionVersion: before!.sessionVersion,
      passwordHash: before!.passwordHash,
      deletedAt: null,
    });
    expect((await client.get('/shop/me')).status).toBe(200);
  });

  it('when a field is malformed, answers 400 naming it and changes nothing', async () => {
    const { client, seller } = await signUpShop(app);
    const res = await client.put('/shop/update-seller-info', { name: 'New', zipCode: '<script>' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('zipCode');
    expect((await shopRow(seller._id))!.name).toBe('Corner Shop');
  });

  it('when a buyer or nobody calls it, answers 401', async () => {
    const buyer = await signUpUser(app);
    expect((await buyer.client.put('/shop/update-seller-info', { name: 'x' })).status).toBe(401);
    expect((await app.client().put('/shop/update-seller-info', { name: 'x' })).status).toBe(401);
  });
});

describe('PUT /shop/update-avatar', () => {
  it('when a PNG data URL is sent, the seller profile points at the stored image', async () => {
    const { client, seller } = await signUpShop(app);
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const res = await client.put('/shop/update-avatar', { avatar: png });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.seller.avatar).toEqual({ public_id: expect.stringMatching(/^shop-avatars\//), url: expect.any(String) });
    expect((await shopRow(seller._id))!.avatar).toEqual(res.body.seller.avatar);
  });
});

describe('PUT /shop/update-payment-method · DELETE /shop/delete-withdraw-method', () => {
  it('when bank details are set, they are normalised, stored and shown to the seller', async () => {
    const { client, seller } = await signUpShop(app);
    const res = await client.put('/shop/update-payment-method', { withdrawMethod: bank() });
    expect(res.status).toBe(200);
    const expected = { ...bank(), bankSwiftCode: 'DEUTDEFF500', bankAccountNumber: 'DE89370400440532013000' };
    expect(res.body.seller.withdrawMethod).toEqual(expected);
    expect((await shopRow(seller._id))!.withdrawMethod).toEqual(expected);
  });

  it('when extra keys ride along in withdrawMethod or beside it, they are not stored', async () => {
    const { client, seller } = await signUpShop(app);
    const res = await client.put('/shop/update-payment-method', {
      withdrawMethod: { ...bank(), availableBalance: 500, note: 'x' },
      availableBalance: 500,
      shopId: 'shop_01hzzzzzzzzzzzzzzzzzzzzzzz',
    });
    expect(res.status).toBe(200);
    expect(Object.keys((await shopRow(seller._id))!.withdrawMethod!).sort()).toEqual(Object.keys(bank()).sort());
  });

  it('when the SWIFT code or account number is malformed, answers 400 naming the nested field', async () => {
    const { client, seller } = await signUpShop(app);
    const res = await client.put('/shop/update-payment-method', {
      withdrawMethod: bank({ bankSwiftCode: 'NOPE', bankAccountNumber: '12' }),
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(['withdrawMethod.bankAccountNumber', 'withdrawMethod.bankSwiftCode']);
    expect((await shopRow(seller._id))!.withdrawMethod).toBeNull();
    const missing = await client.put('/shop/update-payment-method', {});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toHaveProperty('withdrawMethod');
  });

  it('when the withdraw method is deleted, it is gone from the profile and the row', async () => {
    const { client, seller } = await signUpShop(app);
    await client.put('/shop/update-payment-method', { withdrawMethod: bank() });
    const res = await client.delete('/shop/delete-withdraw-method');
    expect(res.status).toBe(200);
    expect(res.body.seller.withdrawMethod).toBeNull();
    expect((await shopRow(seller._id))!.withdrawMethod).toBeNull();
  });

  it('when a buyer or nobody calls them, answers 401 and no shop changes', async () => {
    const buyer = await signUpUser(app);
    expect((await buyer.client.put('/shop/update-payment-method', { withdrawMethod: bank() })).status).toBe(401);
    expect((await app.client().delete('/shop/delete-withdraw-method')).status).toBe(401);
  });
});

describe('shop passwords: PUT /shop/change-password, POST /shop/forgot-password, POST /shop/reset-password', () => {
  it('when the seller changes the password, other seller sessions end and the caller stays signed in', async () => {
    const { client, email } = await signUpShop(app);
    const other = app.client();
    await other.post('/shop/login', { email, password: PASSWORD });
    const res = await client.put('/shop/change-password', { oldPassword: PASSWORD, newPassword: 'new-password-42' });
    expect(res.status).toBe(200);
    expect(res.cookies.seller_token).toBeTruthy();
    expect((await client.get('/shop/me')).status).toBe(200);
    expect((await other.get('/shop/me')).status).toBe(401);
  });

  it('answers the same whether or not a shop has the email, and the link resets the shop password once', async () => {
    const { email, client } = await signUpShop(app);
    const nobody = uniqueEmail('noshop');
    const known = await app.client().post('/shop/forgot-password', { email });
    const unknown = await app.client().post('/shop/forgot-password', { email: nobody });
    expect(known.status).toBe(200);
    expect(unknown.body).toEqual(known.body);
    const mail = await app.mail.waitFor(email, (m) => /reset/i.test(m.subject));
    expect(mail.text).toContain('/seller/reset-password/');
    const [{ n } = { n: -1 }] = await db().select({ n: count() }).from(outbox).where(sql`${outbox.payload}->>'to' = ${nobody}`);
    expect(n).toBe(0);

    const token = linkToken(mail);
    expect((await app.client().post('/shop/reset-password', { token, password: 'brand-new-pass-1' })).status).toBe(200);
    expect((await client.get('/shop/me')).status).toBe(401);
    expect((await app.client().post('/shop/login', { email, password: 'brand-new-pass-1' })).status).toBe(200);
    expect((await app.client().post('/shop/reset-password', { token, password: 'another-pass-22' })).status).toBe(409);
  });
});

describe('GET /shop/admin/sellers · DELETE /shop/admin/seller/:id', () => {
  it('lists live shops paginated with total, page and pages, without the sellers’ password data', async () => {
    const admin = await signUpAdmin(app);
    await signUpShop(app);
    await signUpShop(app);
    const [{ n: live } = { n: 0 }] = await db().select({ n: count() }).from(shops).where(isNull(shops.deletedAt));
    const res = await admin.client.get('/shop/admin/sellers?page=1&limit=2');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, total: live, page: 1, pages: Math.ceil(live / 2) });
    expect(res.body.sellers).toHaveLength(2);
    expect(res.body.sellers[0]).not.toHaveProperty('passwordHash');
    const last = await admin.client.get(`/shop/admin/sellers?page=${Math.ceil(live / 2)}&limit=2`);
    expect(last.body.sellers.length).toBe(live % 2 || 2);
  });

  it('when limit is over 100, answers 400 naming limit', async () => {
    const admin = await signUpAdmin(app);
    const res = await admin.client.get('/shop/admin/sellers?limit=500');
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('limit');
  });

  it('when a buyer asks answers 403; a seller or nobody, 401', async () => {
    const buyer = await signUpUser(app);
    const shop = await signUpShop(app);
    expect((await buyer.client.get('/shop/admin/sellers')).status).toBe(403);
    expect((await shop.client.get('/shop/admin/sellers')).status).toBe(401);
    expect((await app.client().get('/shop/admin/sellers')).status).toBe(401);
    expect((await buyer.client.delete(`/shop/admin/seller/${shop.seller._id}`)).status).toBe(403);
    expect((await shop.client.delete(`/shop/admin/seller/${shop.seller._id}`)).status).toBe(401);
    expect((await shopRow(shop.seller._id))!.deletedAt).toBeNull();
  });

  it('when an admin deletes a shop, it is soft-deleted, hidden, its session ends and an audit row is written', async () => {
    const admin = await signUpAdmin(app);
    const shop = await signUpShop(app);
    const res = await admin.client.delete(`/shop/admin/seller/${shop.seller._id}`, { reason: 'fraud' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });
    expect((await shopRow(shop.seller._id))!.deletedAt).toBeInstanceOf(Date);
    expect(await db().select().from(auditLog).where(eq(auditLog.target, shop.seller._id))).toEqual([
      expect.objectContaining({ actor: admin.user._id, action: 'shop.delete', reason: 'fraud' }),
    ]);
    expect((await shop.client.get('/shop/me')).status).toBe(401);
    expect((await app.client().get(`/shop/shop-info/${shop.seller._id}`)).status).toBe(404);
    expect((await app.client().post('/shop/login', { email: shop.email, password: PASSWORD })).status).toBe(401);
    expect((await admin.client.delete(`/shop/admin/seller/${shop.seller._id}`)).status).toBe(404);
  });
});
