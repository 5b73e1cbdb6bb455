import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox, pendingRegistrations, userAddresses, users, verificationTokens } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, shopFields, signUpAdmin, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { linkToken } from '../helpers/smtp.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const db = () => app.core.database.db;
const userRow = async (email: string) => (await db().select().from(users).where(eq(users.email, email)))[0];
const activationMail = (email: string) => app.mail.waitFor(email, (m) => /activate/i.test(m.subject));

const PNG_1PX =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const address = (over: Record<string, unknown> = {}) => ({
  country: 'US',
  state: 'IL',
  city: 'Springfield',
  address1: '742 Evergreen Terrace',
  address2: 'Apt 1',
  zipCode: '62704',
  addressType: 'Home',
  ...over,
});

/** Registers a buyer without activating; returns the emailed token. */
async function register(body: Record<string, unknown>) {
  const res = await app.client().post('/user/register', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return linkToken(await activationMail(String(body.email)));
}

describe('POST /user/register → email → POST /user/activate-account', () => {
  it('when a buyer registers, answers 201 with a message, creates no account yet and emails an activation link', async () => {
    const email = uniqueEmail();
    const res = await app.client().post('/user/register', { name: 'Ann Buyer', email, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ success: true, message: expect.stringContaining(email) });
    expect(res.cookies.token).toBeUndefined();
    expect(await userRow(email)).toBeUndefined();
    const pending = await db().select().from(pendingRegistrations).where(eq(pendingRegistrations.email, email));
    expect(pending).toHaveLength(1);
    // The password is stored only as a hash, even while the sign-up waits.
    expect(JSON.stringify(pending[0]!.payload)).not.toContain(PASSWORD);

    const mail = await activationMail(email);
    expect(mail.text).toMatch(/http:\/\/localhost:3000\/activation\/[A-Za-z0-9_-]{20,}/);
  });

  it('when the activation link is followed, creates the account, sets the token cookie and answers 201 with user and token', async () => {
    const email = uniqueEmail();
    const token = await register({ name: 'Ann Buyer', email, password: PASSWORD });
    const client = app.client();
    const res = await client.post('/user/activate-account', { activation_token: token });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(typeof res.body.token).toBe('string');
    expect(res.cookies.token).toBe(res.body.token);
    expect(res.body.user).toMatchObject({ name: 'Ann Buyer', email, role: 'User', addresses: [], avatar: null });
    expect(res.body.user._id).toMatch(/^usr_/);
    expect(res.body.user).not.toHaveProperty('passwordHash');
    expect(res.body.user).not.toHaveProperty('sessionVersion');

    const row = await userRow(email);
    expect(row).toMatchObject({ id: res.body.user._id, role: 'User', sessionVersion: 0, bannedAt: null, deletedAt: null });
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await db().select().from(pendingRegistrations).where(eq(pendingRegistrations.email, email))).toHaveLength(0);

    const me = await client.get('/user/me');
    expect(me.status).toBe(200);
    expect(me.body.user._id).toBe(res.body.user._id);
  });

  it('when the activation token is reused, answers 409 and creates no second account', async () => {
    const email = uniqueEmail();
    const token = await register({ name: 'Ann', email, password: PASSWORD });
    expect((await app.client().post('/user/activate-account', { activation_token: token })).status).toBe(201);
    const again = await app.client().post('/user/activate-account', { activation_token: token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, code: 'CONFLICT', message: expect.stringMatching(/already been used/) });
    expect(again.cookies.token).toBeUndefined();
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it('when parallel requests present the same activation token, exactly one account is created and the rest get 409', async () => {
    const email = uniqueEmail();
    const token = await register({ name: 'Racer', email, password: PASSWORD });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => app.client().post('/user/activate-account', { activation_token: token })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it('when two sign-ups for one email are activated in parallel, exactly one account exists', async () => {
    const email = uniqueEmail();
    await app.client().post('/user/register', { name: 'First', email, password: PASSWORD });
    await app.client().post('/user/register', { name: 'Second', email, password: PASSWORD });
    await app.mail.waitFor(email, () => app.mail.messages.filter((m) => m.to === email).length === 2);
    const tokens = app.mail.messages.filter((m) => m.to === email).map(linkToken);
    expect(tokens).toHaveLength(2);
    const results = await Promise.all(tokens.map((t) => app.client().post('/user/activate-account', { activation_token: t })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it('when the activation token has expired, answers 400 naming the token and creates no account', async () => {
    const email = uniqueEmail();
    const token = await register({ name: 'Late', email, password: PASSWORD });
    const [pending] = await db().select().from(pendingRegistrations).where(eq(pendingRegistrations.email, email));
    await db()
      .update(verificationTokens)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(verificationTokens.subjectId, pending!.id));
    const res = await app.client().post('/user/activate-account', { activation_token: token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED', message: expect.stringMatching(/expired/) });
    expect(res.body.fields).toHaveProperty('token');
    expect(await userRow(email)).toBeUndefined();
  });

  it('when the activation token is unknown or missing, answers 400', async () => {
    const unknown = await app.client().post('/user/activate-account', { activation_token: 'x'.repeat(43) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/invalid/);
    const missing = await app.client().post('/user/activate-account', {});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toHaveProperty('activation_token');
  });

  it('when a shop activation token is used on the buyer route, answers 400 and creates no buyer', async () => {
    const email = uniqueEmail('shop');
    await app.client().post('/shop/register', {
      name: 'Shop',
      email,
      password: PASSWORD,
      phoneNumber: '+1 555 0100',
      address: '1 Main St',
      zipCode: '12345',
    });
    const token = linkToken(await activationMail(email));
    const res = await app.client().post('/user/activate-account', { activation_token: token });
    expect(res.status).toBe(400);
    expect(await userRow(email)).toBeUndefined();
    // The shop link itself still works.
    expect((await app.client().post('/shop/activate-account', { activation_token: token })).status).toBe(201);
  });

  it('when the email already has an account, answers 409 and sends no activation email', async () => {
    const { email } = await signUpUser(app);
    const res = await app.client().post('/user/register', { name: 'Copy', email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(await db().select().from(pendingRegistrations).where(eq(pendingRegistrations.email, email))).toHaveLength(0);
  });

  it('when register carries role, verified, _id, sessionVersion or availableBalance, the account is an ordinary buyer', async () => {
    const email = uniqueEmail();
    const token = await register({
      name: 'Mallory',
      email,
      password: PASSWORD,
      role: 'Admin',
      verified: true,
      isVerified: true,
      _id: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz',
      id: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz',
      sessionVersion: 99,
      availableBalance: 1_000_000,
      passwordHash: 'x',
    });
    const [pending] = await db().select().from(pendingRegistrations).where(eq(pendingRegistrations.email, email));
    expect(Object.keys(pending!.payload).sort()).toEqual(['avatar', 'name', 'passwordHash']);
    const res = await app.client().post('/user/activate-account', { activation_token: token });
    expect(res.status).toBe(201);
    expect(res.body.user.role).toBe('User');
    expect(res.body.user._id).not.toBe('usr_01hzzzzzzzzzzzzzzzzzzzzzzz');
    const row = await userRow(email);
    expect(row).toMatchObject({ role: 'User', sessionVersion: 0 });
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('when register has invalid fields, answers 400 naming each of them', async () => {
    const res = await app.client().post('/user/register', { name: '', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(Object.keys(res.body.fields).sort()).toEqual(['email', 'name', 'password']);
  });
});

describe('POST /user/login, GET·POST /user/logout, GET /user/me', () => {
  it('when the credentials are right, answers 200 with user and token and sets the token cookie', async () => {
    const { email, user } = await signUpUser(app);
    const client = app.client();
    const res = await client.post('/user/login', { email: ` ${email.toUpperCase()} `, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, user: { _id: user._id, email }, token: expect.any(String) });
    expect(res.cookies.token).toBe(res.body.token);
    expect((await client.get('/user/me')).body.user._id).toBe(user._id);
  });

  it('when the password is wrong or the email unknown, answers 401 with the same message and no cookie', async () => {
    const { email } = await signUpUser(app);
    const wrong = await app.client().post('/user/login', { email, password: 'wrong-password-1' });
    const unknown = await app.client().post('/user/login', { email: uniqueEmail(), password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED', message: 'Invalid email or password' });
    expect(wrong.setCookies).toEqual([]);
  });

  it('when the sign-up is not activated yet, login is refused with an "activate first" message', async () => {
    const email = uniqueEmail();
    await register({ name: 'Patient', email, password: PASSWORD });
    const res = await app.client().post('/user/login', { email, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, code: 'FORBIDDEN' });
    expect(res.body.message).toMatch(/activate your account first/i);
    expect(res.cookies.token).toBeUndefined();
  });

  it('when the sign-up is not activated yet and the password is wrong, answers exactly like any other wrong password', async () => {
    const email = uniqueEmail();
    await register({ name: 'Patient', email, password: PASSWORD });
    const pending = await app.client().post('/user/login', { email, password: `${PASSWORD}-wrong` });
    const unknown = await app.client().post('/user/login', { email: uniqueEmail(), password: `${PASSWORD}-wrong` });
    expect(pending.status).toBe(401);
    expect(pending.body).toEqual(unknown.body);
    expect(pending.body).toEqual({ success: false, code: 'UNAUTHENTICATED', message: 'Invalid email or password' });
    // A shop waiting for its activation is not revealed either.
    const shop = { ...shopFields(), email: uniqueEmail('pending-shop') };
    expect((await app.client().post('/shop/register', shop)).status).toBe(201);
    const pendingShop = await app.client().post('/shop/login', { email: shop.email, password: `${PASSWORD}-wrong` });
    expect(pendingShop.status).toBe(401);
    expect(pendingShop.body.message).toBe('Invalid email or password');
    expect((await app.client().post('/shop/login', { email: shop.email, password: PASSWORD })).status).toBe(403);
  });

  it('when logging out by GET, clears the token cookie and the client is signed out', async () => {
    const { client } = await signUpUser(app);
    const res = await client.get('/user/logout');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });
    expect(res.cookies.token).toBe('');
    expect(res.setCookies.join('\n')).toMatch(/token=;.*Expires=Thu, 01 Jan 1970/);
    const me = await client.get('/user/me');
    expect(me.status).toBe(401);
  });

  it('when logging out by POST, clears the token cookie and the client is signed out', async () => {
    const { client } = await signUpUser(app);
    const res = await client.post('/user/logout');
    expect(res.status).toBe(200);
    expect(res.cookies.token).toBe('');
    expect((await client.get('/user/me')).status).toBe(401);
  });

  it('when there is no session, /me answers 401 with a JSON error', async () => {
    const res = await app.client().get('/user/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, message: expect.any(String), code: 'UNAUTHENTICATED' });
  });
});

describe('PUT /user/update-info', () => {
  it('when name and phone number change, the profile and the row show them', async () => {
    const { client, user } = await signUpUser(app);
    const res = await client.put('/user/update-info', { name: '  Ann B. Buyer ', phoneNumber: '+44 20 7946 0958' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ _id: user._id, name: 'Ann B. Buyer', phoneNumber: '+44 20 7946 0958' });
    const [row] = await db().select().from(users).where(eq(users.id, user._id));
    expect(row).toMatchObject({ name: 'Ann B. Buyer', phoneNumber: '+44 20 7946 0958' });
  });

  it('when the body carries role, verified, availableBalance, _id or sessionVersion, none of them change', async () => {
    const { client, user } = await signUpUser(app);
    const [before] = await db().select().from(users).where(eq(users.id, user._id));
    const res = await client.put('/user/update-info', {
      name: 'Still Ann',
      role: 'Admin',
      verified: true,
      availableBalance: 5000,
      _id: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz',
      id: 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz',
      sessionVersion: 42,
      passwordHash: 'x',
      deletedAt: null,
      bannedAt: null,
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ _id: user._id, role: 'User', name: 'Still Ann' });
    const [after] = await db().select().from(users).where(eq(users.id, user._id));
    expect(after).toMatchObject({
      id: before!.id,
      role: 'User',
      sessionVersion: before!.sessionVersion,
      passwordHash: before!.passwordHash,
      email: before!.email,
    });
    // The session is still the same one.
    expect((await client.get('/user/me')).status).toBe(200);
  });

  it('when the email changes without the current password, answers 400 naming password and keeps the email', async () => {
    const { client, user, email } = await signUpUser(app);
    const res = await client.put('/user/update-info', { email: uniqueEmail() });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('password');
    expect((await db().select().from(users).where(eq(users.id, user._id)))[0]!.email).toBe(email);
  });

  it('when the email changes with a wrong password, answers 400 and keeps the email', async () => {
    const { client, user, email } = await signUpUser(app);
    const res = await client.put('/user/update-info', { email: uniqueEmail(), password: 'wrong-password-1' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ password: 'incorrect' });
    expect((await db().select().from(users).where(eq(users.id, user._id)))[0]!.email).toBe(email);
  });

  it('when the email changes with the current password, the new email signs in and the old one does not', async () => {
    const { client, email } = await signUpUser(app);
    const next = uniqueEmail();
    const res = await client.put('/user/update-info', { email: next.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(next);
    expect((await app.client().post('/user/login', { email: next, password: PASSWORD })).status).toBe(200);
    expect((await app.client().post('/user/login', { email, password: PASSWORD })).status).toBe(401);
  });

  it("when the new email is another account's, answers 409 and keeps the email", async () => {
    const other = await signUpUser(app);
    const { client, user, email } = await signUpUser(app);
    const res = await client.put('/user/update-info', { email: other.email, password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect((await db().select().from(users).where(eq(users.id, user._id)))[0]!.email).toBe(email);
  });

  it('when the phone number is not a phone number, answers 400 naming phoneNumber', async () => {
    const { client } = await signUpUser(app);
    const res = await client.put('/user/update-info', { phoneNumber: 'call me maybe' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('phoneNumber');
  });
});

describe('PUT /user/update-avatar', () => {
  it('when a PNG data URL is sent, the profile points at the stored image', async () => {
    const { client, user } = await signUpUser(app);
    const res = await client.put('/user/update-avatar', { avatar: PNG_1PX });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.avatar).toEqual({ public_id: expect.stringMatching(/^avatars\/med_/), url: expect.any(String) });
    const [row] = await db().select().from(users).where(eq(users.id, user._id));
    expect(row!.avatar).toEqual(res.body.user.avatar);
  });

  it('when no avatar is sent, answers 400 naming avatar', async () => {
    const { client } = await signUpUser(app);
    const res = await client.put('/user/update-avatar', {});
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('avatar');
  });
});

describe('POST /user/address · PUT/DELETE /user/address/:id', () => {
  it('when an address is added, answers 201 with it in the profile and stores it for the caller', async () => {
    const { client, user } = await signUpUser(app);
    const res = await client.post('/user/address', address({ zipCode: 62704 }));
    expect(res.status).toBe(201);
    expect(res.body.user.addresses).toEqual([{ _id: expect.stringMatching(/^addr_/), ...address() }]);
    const rows = await db().select().from(userAddresses).where(eq(userAddresses.userId, user._id));
    expect(rows).toHaveLength(1);
  });

  it('GET /user/me lists the caller’s addresses in the order they were added, and no one else’s', async () => {
    const other = await signUpUser(app);
    expect((await other.client.post('/user/address', address({ city: 'Ogdenville' }))).status).toBe(201);
    const { client } = await signUpUser(app);
    const first = (await client.post('/user/address', address({ city: 'Shelbyville' }))).body.user.addresses[0]._id;
    const second = (await client.post('/user/address', address({ city: 'Capital City', address2: null }))).body.user.addresses[1]._id;
    const me = await client.get('/user/me');
    expect(me.status).toBe(200);
    expect(me.body.user.addresses).toEqual([
      { ...address({ city: 'Shelbyville' }), _id: first },
      { ...address({ city: 'Capital City', address2: null }), _id: second },
    ]);
  });

  it('when the body names another user, the address is still the caller’s', async () => {
    const other = await signUpUser(app);
    const { client, user } = await signUpUser(app);
    const res = await client.post('/user/address', { ...address(), userId: other.user._id, user: other.user._id });
    expect(res.status).toBe(201);
    expect(await db().$count(userAddresses, eq(userAddresses.userId, other.user._id))).toBe(0);
    expect(await db().$count(userAddresses, eq(userAddresses.userId, user._id))).toBe(1);
  });

  it('when an address is updated, only the sent fields change', async () => {
    const { client } = await signUpUser(app);
    const added = await client.post('/user/address', address());
    const id = added.body.user.addresses[0]._id;
    const res = await client.put(`/user/address/${id}`, { city: 'Shelbyville', address2: null });
    expect(res.status).toBe(200);
    expect(res.body.user.addresses).toEqual([{ ...address(), _id: id, city: 'Shelbyville', address2: null }]);
  });

  it('when an address update sends no fields, answers 400 and leaves the address as it was', async () => {
    const { client } = await signUpUser(app);
    const added = await client.post('/user/address', address());
    const id = added.body.user.addresses[0]._id;
    const res = await client.put(`/user/address/${id}`, {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    const [row] = await db().select().from(userAddresses).where(eq(userAddresses.id, id));
    expect(row).toMatchObject({ city: 'Springfield' });
  });

  it('when an address is deleted, it is gone from the profile and the table', async () => {
    const { client } = await signUpUser(app);
    const added = await client.post('/user/address', address());
    const id = added.body.user.addresses[0]._id;
    const res = await client.delete(`/user/address/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.user.addresses).toEqual([]);
    expect(await db().$count(userAddresses, eq(userAddresses.id, id))).toBe(0);
  });

  it("when another user's address id is updated or deleted, answers 404 and the address is unchanged", async () => {
    const owner = await signUpUser(app);
    const added = await owner.client.post('/user/address', address());
    const id = added.body.user.addresses[0]._id;
    const { client } = await signUpUser(app);

    const update = await client.put(`/user/address/${id}`, { city: 'Stolen' });
    expect(update.status).toBe(404);
    expect(update.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    const del = await client.delete(`/user/address/${id}`);
    expect(del.status).toBe(404);

    const [row] = await db().select().from(userAddresses).where(eq(userAddresses.id, id));
    expect(row).toMatchObject({ userId: owner.user._id, city: 'Springfield' });
  });

  it('when the address id is malformed, answers 400; when it does not exist, 404', async () => {
    const { client } = await signUpUser(app);
    expect((await client.delete('/user/address/not-an-id')).status).toBe(400);
    expect((await client.delete('/user/address/addr_01hzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(404);
  });

  it('when a required address field is missing, answers 400 naming it and stores nothing', async () => {
    const { client, user } = await signUpUser(app);
    const res = await client.post('/user/address', address({ city: undefined, country: '' }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(['city', 'country']);
    expect(await db().$count(userAddresses, eq(userAddresses.userId, user._id))).toBe(0);
  });

  it('when the caller already keeps 20 addresses, a 21st answers 409 and is not stored', async () => {
    const { client, user } = await signUpUser(app);
    for (let i = 0; i < 20; i++) expect((await client.post('/user/address', address({ address1: `${i} Main St` }))).status).toBe(201);
    const res = await client.post('/user/address', address());
    expect(res.status).toBe(409);
    expect(await db().$count(userAddresses, eq(userAddresses.userId, user._id))).toBe(20);
  });

  it('when there is no session, address routes answer 401', async () => {
    const anon = app.client();
    expect((await anon.post('/user/address', address())).status).toBe(401);
    expect((await anon.put('/user/address/addr_01hzzzzzzzzzzzzzzzzzzzzzzz', { city: 'x' })).status).toBe(401);
    expect((await anon.delete('/user/address/addr_01hzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(401);
  });
});

describe('PUT /user/change-password', () => {
  it('when the password changes, other sessions end, the caller stays signed in and an email confirms it', async () => {
    const { client, email } = await signUpUser(app);
    const other = app.client();
    expect((await other.post('/user/login', { email, password: PASSWORD })).status).toBe(200);
    const oldToken = client.cookies.get('token')!;

    const res = await client.put('/user/change-password', { oldPassword: PASSWORD, newPassword: 'new-password-42' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });
    expect(res.cookies.token).toBeTruthy();
    expect(res.cookies.token).not.toBe(oldToken);

    expect((await client.get('/user/me')).status).toBe(200);
    const ended = await other.get('/user/me');
    expect(ended.status).toBe(401);
    expect(ended.body.message).toMatch(/ended/);
    expect((await app.client().get('/user/me', { authorization: `Bearer ${oldToken}` })).status).toBe(401);

    expect((await app.client().post('/user/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await app.client().post('/user/login', { email, password: 'new-password-42' })).status).toBe(200);
    await app.mail.waitFor(email, (m) => /password was changed/i.test(m.subject));
  });

  it('when the old password is wrong, answers 400 naming oldPassword and nothing changes', async () => {
    const { client, user } = await signUpUser(app);
    const [before] = await db().select().from(users).where(eq(users.id, user._id));
    const res = await client.put('/user/change-password', { oldPassword: 'wrong-password-1', newPassword: 'new-password-42' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('oldPassword');
    const [after] = await db().select().from(users).where(eq(users.id, user._id));
    expect(after).toMatchObject({ passwordHash: before!.passwordHash, sessionVersion: before!.sessionVersion });
    expect((await client.get('/user/me')).status).toBe(200);
  });

  it('when the new password is too short, answers 400 naming newPassword', async () => {
    const { client } = await signUpUser(app);
    const res = await client.put('/user/change-password', { oldPassword: PASSWORD, newPassword: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('newPassword');
  });

  it('when there is no session, answers 401', async () => {
    expect((await app.client().put('/user/change-password', { oldPassword: PASSWORD, newPassword: 'x'.repeat(10) })).status).toBe(401);
  });
});

describe('POST /user/forgot-password · POST /user/reset-password', () => {
  const mailsTo = async (email: string) =>
    db().select({ n: count() }).from(outbox).where(sql`${outbox.payload}->>'to' = ${email}`);

  it('answers the same whether or not the email exists, and mails a reset link only when it exists', async () => {
    const { email } = await signUpUser(app);
    const nobody = uniqueEmail('nobody');
    const known = await app.client().post('/user/forgot-password', { email });
    const unknown = await app.client().post('/user/forgot-password', { email: nobody });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(known.body);

    const mail = await app.mail.waitFor(email, (m) => /reset/i.test(m.subject));
    expect(mail.text).toMatch(/http:\/\/localhost:3000\/reset-password\/[A-Za-z0-9_-]{20,}/);
    await app.core.outbox.drain();
    expect(app.mail.messages.filter((m) => m.to === nobody)).toEqual([]);
    expect((await mailsTo(nobody))[0]!.n).toBe(0);
  });

  it('when the reset token is used, the new password works, existing sessions end and the token cannot be reused', async () => {
    const { client, email } = await signUpUser(app);
    await app.client().post('/user/forgot-password', { email });
    const token = linkToken(await app.mail.waitFor(email, (m) => /reset/i.test(m.subject)));

    const res = await app.client().post('/user/reset-password', { token, password: 'brand-new-pass-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });

    expect((await client.get('/user/me')).status).toBe(401);
    expect((await app.client().post('/user/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await app.client().post('/user/login', { email, password: 'brand-new-pass-1' })).status).toBe(200);

    const reuse = await app.client().post('/user/reset-password', { token, password: 'another-pass-22' });
    expect(reuse.status).toBe(409);
    expect((await app.client().post('/user/login', { email, password: 'brand-new-pass-1' })).status).toBe(200);
  });

  it('when two reset links were sent and one is used, the other stops working and the chosen password stays', async () => {
    const { email } = await signUpUser(app);
    await app.client().post('/user/forgot-password', { email });
    await app.client().post('/user/forgot-password', { email });
    await app.mail.waitFor(email, () => app.mail.messages.filter((m) => m.to === email && /reset/i.test(m.subject)).length === 2);
    const [first, second] = app.mail.messages.filter((m) => m.to === email && /reset/i.test(m.subject)).map(linkToken);
    expect((await app.client().post('/user/reset-password', { token: second, password: 'chosen-password-1' })).status).toBe(200);
    expect((await app.client().post('/user/reset-password', { token: first, password: 'attacker-password-1' })).status).toBe(409);
    expect((await app.client().post('/user/login', { email, password: 'chosen-password-1' })).status).toBe(200);
  });

  it('when the password is changed while a reset link is outstanding, that link stops working', async () => {
    const { client, email } = await signUpUser(app);
    await app.client().post('/user/forgot-password', { email });
    const token = linkToken(await app.mail.waitFor(email, (m) => /reset/i.test(m.subject)));
    expect((await client.put('/user/change-password', { oldPassword: PASSWORD, newPassword: 'changed-password-1' })).status).toBe(200);
    expect((await app.client().post('/user/reset-password', { token, password: 'attacker-password-1' })).status).toBe(409);
    expect((await app.client().post('/user/login', { email, password: 'changed-password-1' })).status).toBe(200);
  });

  it('when the reset token is unknown or expired, answers 400 and the password stays', async () => {
    const { email, user } = await signUpUser(app);
    const unknown = await app.client().post('/user/reset-password', { token: 'y'.repeat(43), password: 'brand-new-pass-1' });
    expect(unknown.status).toBe(400);

    await app.client().post('/user/forgot-password', { email });
    const token = linkToken(await app.mail.waitFor(email, (m) => /reset/i.test(m.subject)));
    await db()
      .update(verificationTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(verificationTokens.subjectId, user._id), eq(verificationTokens.purpose, 'reset-password')));
    const expired = await app.client().post('/user/reset-password', { token, password: 'brand-new-pass-1' });
    expect(expired.status).toBe(400);
    expect(expired.body.message).toMatch(/expired/);
    expect((await app.client().post('/user/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('when a user reset token is used on the shop route, answers 400 and changes nothing', async () => {
    const { email } = await signUpUser(app);
    await app.client().post('/user/forgot-password', { email });
    const token = linkToken(await app.mail.waitFor(email, (m) => /reset/i.test(m.subject)));
    const res = await app.client().post('/shop/reset-password', { token, password: 'brand-new-pass-1' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/invalid/);
    // Still usable where it belongs.
    expect((await app.client().post('/user/reset-password', { token, password: 'brand-new-pass-1' })).status).toBe(200);
  });

  it('when the email is malformed, answers 400 naming email', async () => {
    const res = await app.client().post('/user/forgot-password', { email: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('email');
  });
});

describe('GET /user/get-user/:id', () => {
  it('shows only the public fields of a buyer', async () => {
    const { user, client } = await signUpUser(app, { name: 'Public Pat' });
    await client.put('/user/update-info', { phoneNumber: '+1 555 0199' });
    await client.post('/user/address', address());
    const res = await app.client().get(`/user/get-user/${user._id}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.user).sort()).toEqual(['_id', 'avatar', 'createdAt', 'name']);
    expect(res.body.user).toMatchObject({ _id: user._id, name: 'Public Pat', avatar: null });
  });

  it('when the id does not exist answers 404; when it is not a user id, 400', async () => {
    expect((await app.client().get('/user/get-user/usr_01hzzzzzzzzzzzzzzzzzzzzzzz')).status).toBe(404);
    const bad = await app.client().get('/user/get-user/shop_01hzzzzzzzzzzzzzzzzzzzzzzz');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/user id/);
  });
});

describe('GET /user/admin/users · DELETE /user/admin/delete-user/:id', () => {
  it('lists live users paginated with total, page and pages', async () => {
    const admin = await signUpAdmin(app);
    await signUpUser(app);
    await signUpUser(app);
    const [{ n: live } = { n: 0 }] = await db().select({ n: count() }).from(users).where(isNull(users.deletedAt));

    const first = await admin.client.get('/user/admin/users?page=1&limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, total: live, page: 1, pages: Math.ceil(live / 2) });
    expect(first.body.users).toHaveLength(2);
    expect(first.body.users[0]).not.toHaveProperty('passwordHash');
    const second = await admin.client.get('/user/admin/users?page=2&limit=2');
    expect(second.body.page).toBe(2);
    const ids = [...first.body.users, ...second.body.users].map((u: { _id: string }) => u._id);
    expect(new Set(ids).size).toBe(ids.length);

    const defaults = await admin.client.get('/user/admin/users');
    expect(defaults.body).toMatchObject({ page: 1, total: live });
    expect(defaults.body.users.length).toBe(Math.min(live, 20));
  });

  it('when limit is over 100 or page is not a positive integer, answers 400 naming the field', async () => {
    const admin = await signUpAdmin(app);
    const big = await admin.client.get('/user/admin/users?limit=101');
    expect(big.status).toBe(400);
    expect(big.body.fields).toHaveProperty('limit');
    const zero = await admin.client.get('/user/admin/users?page=0');
    expect(zero.status).toBe(400);
    expect(zero.body.fields).toHaveProperty('page');
  });

  it('when the caller is not an admin answers 403; without a session 401', async () => {
    const { client } = await signUpUser(app);
    expect((await client.get('/user/admin/users')).status).toBe(403);
    expect((await app.client().get('/user/admin/users')).status).toBe(401);
  });

  it('when an admin deletes a user, the account is soft-deleted, its session ends and an audit row is written', async () => {
    const admin = await signUpAdmin(app);
    const victim = await signUpUser(app);
    const res = await admin.client.delete(`/user/admin/delete-user/${victim.user._id}`, { reason: 'spam' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String) });

    const [row] = await db().select().from(users).where(eq(users.id, victim.user._id));
    expect(row!.deletedAt).toBeInstanceOf(Date);
    const audit = await db().select().from(auditLog).where(eq(auditLog.target, victim.user._id));
    expect(audit).toEqual([
      expect.objectContaining({ actor: admin.user._id, action: 'user.delete', reason: 'spam', details: { email: victim.email } }),
    ]);
    expect((await victim.client.get('/user/me')).status).toBe(401);
    expect((await app.client().post('/user/login', { email: victim.email, password: PASSWORD })).status).toBe(401);
    expect((await app.client().get(`/user/get-user/${victim.user._id}`)).status).toBe(404);
    expect((await admin.client.delete(`/user/admin/delete-user/${victim.user._id}`)).status).toBe(404);
  });

  it('when a non-admin or nobody tries to delete a user, answers 403 or 401 and the user stays', async () => {
    const victim = await signUpUser(app);
    const { client } = await signUpUser(app);
    expect((await client.delete(`/user/admin/delete-user/${victim.user._id}`)).status).toBe(403);
    expect((await app.client().delete(`/user/admin/delete-user/${victim.user._id}`)).status).toBe(401);
    const [row] = await db().select().from(users).where(eq(users.id, victim.user._id));
    expect(row!.deletedAt).toBeNull();
    expect(await db().$count(auditLog, eq(auditLog.target, victim.user._id))).toBe(0);
  });

  it('when an admin deletes their own account, answers 409 and keeps it', async () => {
    const admin = await signUpAdmin(app);
    const res = await admin.client.delete(`/user/admin/delete-user/${admin.user._id}`);
    expect(res.status).toBe(409);
    expect((await admin.client.get('/user/me')).status).toBe(200);
  });
});
