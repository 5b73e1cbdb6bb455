import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/core/db/index.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { PNG_DATA_URL } from '../../helpers/commerce.ts';
import { signUpAdmin } from '../../helpers/factories.ts';
import { BANK } from '../../helpers/money.ts';
import { asV1, PASSWORD, storefront, v2SignUpShop, v2SignUpUser } from '../../helpers/storefront.ts';

/*
 * The tutorial storefront's account pages against /api/v2, with the request bodies its code sends
 * (reference/seed-lineage.md §4) and the keys it reads from the answers.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
}, 60_000);
afterAll(() => app?.close());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);

describe('buyer account pages', () => {
  it('create-user answers data.message; activation signs in once and refuses the same token again', async () => {
    const { client, email, token, created, user } = await v2SignUpUser(app);
    expect(created.body.message).toContain(email);
    expect(user).toMatchObject({ email, role: 'User', addresses: [] });
    expect(user.avatar.url).toEqual(expect.any(String));
    expect(client.cookies.get('token')).toEqual(expect.any(String));
    const again = await storefront(app).post('/user/activation', { activation_token: token });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already been used/);
  });

  it('login-user sets the session cookie; getuser reads data.user with the fields the profile renders', async () => {
    const { email } = await v2SignUpUser(app);
    const browser = storefront(app);
    const wrong = await browser.post('/user/login-user', { email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toEqual(expect.any(String));
    expect((await browser.post('/user/login-user', { email, password: PASSWORD })).status).toBe(200);
    const me = await browser.get('/user/getuser');
    expect(me.status).toBe(200);
    for (const key of ['_id', 'name', 'email', 'phoneNumber', 'avatar', 'role', 'addresses', 'createdAt']) expect(me.body.user, key).toHaveProperty(key);
  });

  it('update-user-info takes {email,password,phoneNumber,name}; a wrong password is refused with a message', async () => {
    const { client, email } = await v2SignUpUser(app);
    const ok = await client.put('/user/update-user-info', { email, password: PASSWORD, phoneNumber: '+1 555 0199', name: 'Ann Renamed' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.user).toMatchObject({ name: 'Ann Renamed', phoneNumber: '+1 555 0199' });
    const bad = await client.put('/user/update-user-info', { email: 'elsewhere@example.com', password: 'wrong-password-1', name: 'X' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/password/i);
  });

  it('update-avatar takes {avatar} as a data URL; addresses are added and deleted by id, each answer reading data.user', async () => {
    const { client } = await v2SignUpUser(app);
    const avatar = await client.put('/user/update-avatar', { avatar: PNG_DATA_URL });
    expect(avatar.status, JSON.stringify(avatar.body)).toBe(200);
    expect(avatar.body.user.avatar.url).toEqual(expect.any(String));
    const address = { country: 'US', city: 'Springfield', address1: '1 Main St', address2: 'Flat 2', zipCode: 12345, addressType: 'Home' };
    const added = await client.put('/user/update-user-addresses', address);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.user.addresses).toHaveLength(1);
    expect(added.body.user.addresses[0]).toMatchObject({ city: 'Springfield', zipCode: '12345', addressType: 'Home' });
    const removed = await client.delete(`/user/delete-user-address/${added.body.user.addresses[0]._id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.user.addresses).toEqual([]);
  });

  it('update-user-password reads data.success, refuses a confirmPassword that differs, and ends other sessions', async () => {
    const { client, email } = await v2SignUpUser(app);
    const other = storefront(app);
    await other.post('/user/login-user', { email, password: PASSWORD });
    const mismatch = await client.put('/user/update-user-password', { oldPassword: PASSWORD, newPassword: 'brand-new-pass-1', confirmPassword: 'brand-new-pass-2' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toMatch(/confirmPassword/);
    const ok = await client.put('/user/update-user-password', { oldPassword: PASSWORD, newPassword: 'brand-new-pass-1', confirmPassword: 'brand-new-pass-1' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.success).toBe(true);
    expect((await client.get('/user/getuser')).status).toBe(200);
    expect((await other.get('/user/getuser')).status).toBe(401);
  });

  it('user-info/:id shows public fields only; logout clears the cookie', async () => {
    const { client, user } = await v2SignUpUser(app, 'Public Ann');
    const info = await storefront(app).get(`/user/user-info/${user._id}`);
    expect(info.status).toBe(200);
    expect(info.body.user).toMatchObject({ _id: user._id, name: 'Public Ann' });
    expect(info.body.user).not.toHaveProperty('email');
    expect((await client.get('/user/logout')).status).toBe(200);
    expect(client.cookies.has('token')).toBe(false);
    expect((await client.get('/user/getuser')).status).toBe(401);
  });
});

describe('seller account pages', () => {
  it('create-shop and activation give a seller session; getSeller reads data.seller with a numeric availableBalance', async () => {
    const { client, seller, email, token } = await v2SignUpShop(app);
    expect(client.cookies.get('seller_token')).toEqual(expect.any(String));
    expect(seller).toMatchObject({ email, availableBalance: 0 });
    expect((await storefront(app).post('/shop/activation', { activation_token: token })).status).toBe(409);
    const me = await client.get('/shop/getSeller');
    expect(me.status).toBe(200);
    for (const key of ['_id', 'name', 'email', 'avatar', 'address', 'phoneNumber', 'zipCode', 'description', 'withdrawMethod', 'createdAt'])
      expect(me.body.seller, key).toHaveProperty(key);
    expect(typeof me.body.seller.availableBalance).toBe('number');
  });

  it('login-shop, get-shop-info/:id (public: no bank details or balance), logout', async () => {
    const { email, seller } = await v2SignUpShop(app);
    const browser = storefront(app);
    expect((await browser.post('/shop/login-shop', { email, password: PASSWORD })).status).toBe(200);
    const info = await storefront(app).get(`/shop/get-shop-info/${seller._id}`);
    expect(info.status).toBe(200);
    expect(info.body.shop).toMatchObject({ _id: seller._id, name: 'Corner Shop' });
    expect(info.body.shop).not.toHaveProperty('availableBalance');
    expect(info.body.shop).not.toHaveProperty('withdrawMethod');
    expect((await browser.get('/shop/logout')).status).toBe(200);
    expect((await browser.get('/shop/getSeller')).status).toBe(401);
  });

  it('update-shop-avatar, update-seller-info, update-payment-methods {withdrawMethod} and delete-withdraw-method', async () => {
    const { client } = await v2SignUpShop(app);
    const avatar = await client.put('/shop/update-shop-avatar', { avatar: PNG_DATA_URL });
    expect(avatar.status, JSON.stringify(avatar.body)).toBe(200);
    expect(avatar.body.seller.avatar.url).toEqual(expect.any(String));
    const info = await client.put('/shop/update-seller-info', { name: 'Renamed Shop', description: 'Lamps', address: '2 Side St', phoneNumber: '+1 555 0111', zipCode: '54321' });
    expect(info.status, JSON.stringify(info.body)).toBe(200);
    expect(info.body.seller).toMatchObject({ name: 'Renamed Shop', description: 'Lamps', zipCode: '54321' });
    const bank = await client.put('/shop/update-payment-methods', { withdrawMethod: BANK });
    expect(bank.status, JSON.stringify(bank.body)).toBe(200);
    expect(bank.body.seller.withdrawMethod.bankName).toBe(BANK.bankName);
    const removed = await client.delete('/shop/delete-withdraw-method');
    expect(removed.status).toBe(200);
    expect(removed.body.seller.withdrawMethod).toBeNull();
  });
});

describe('admin dashboard', () => {
  it('lists users and sellers under data.users and data.sellers; deletes by id with an audit row; refuses non-admins', async () => {
    const admin = await signUpAdmin(app);
    const adminV2 = storefront(app);
    for (const [k, v] of admin.client.cookies) adminV2.cookies.set(k, v);
    const victim = await v2SignUpUser(app);
    const shop = await v2SignUpShop(app);

    const users = await adminV2.get('/user/admin-all-users');
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { _id: string }) => u._id)).toContain(victim.user._id);
    const sellers = await adminV2.get('/shop/admin-all-sellers');
    expect(sellers.status).toBe(200);
    expect(sellers.body.sellers.map((s: { _id: string }) => s._id)).toContain(shop.seller._id);

    expect((await victim.client.get('/user/admin-all-users')).status).toBe(403);
    expect((await victim.client.delete(`/shop/delete-seller/${shop.seller._id}`)).status).toBe(403);

    expect((await adminV2.delete(`/user/delete-user/${victim.user._id}`)).status).toBe(200);
    expect((await adminV2.delete(`/shop/delete-seller/${shop.seller._id}`)).status).toBe(200);
    const audit = await rows<{ action: string; reason: string }>(
      sql`SELECT action, reason FROM audit_log WHERE target IN (${victim.user._id}, ${shop.seller._id}) ORDER BY action`,
    );
    expect(audit).toEqual([
      { action: 'shop.delete', reason: 'deleted from the storefront admin dashboard' },
      { action: 'user.delete', reason: 'deleted from the storefront admin dashboard' },
    ]);
    expect((await victim.client.get('/user/getuser')).status).toBe(401);
    expect((await asV1(app, adminV2).get('/user/me')).status).toBe(200);
  });
});
