import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSessionToken } from '../../src/core/auth/index.ts';
import type { AddressInfo } from 'node:net';
import { endedSessions, users } from '../../src/core/db/schema/index.ts';
import { startApi } from '../../src/api/server.ts';
import { createCore } from '../../src/core/index.ts';
import { TestClient } from '../helpers/http.ts';
import { deleteShop, setShopBan } from '../../src/core/shops/index.ts';
import { deleteUser, setUserBan } from '../../src/core/users/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, signUpShop, signUpUser } from '../helpers/factories.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const operator = () => app.core.ctx({ kind: 'operator', name: 'sessions-test' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A session JWT as the API issues it, with overrides: what a forger or a stale client would send. */
function forge(
  claims: { sub: string; kind: 'user' | 'shop'; sv?: number; exp?: number },
  opts: { secret?: string; algorithm?: jwt.Algorithm } = {},
): string {
  const payload: Record<string, unknown> = {
    jti: randomBytes(16).toString('base64url'),
    sv: claims.sv ?? 0,
    sub: claims.sub,
    aud: `mvshop:${claims.kind}`,
    iss: 'mvshop',
    iat: nowSeconds() - 3600,
    exp: claims.exp ?? nowSeconds() + 3600,
  };
  return jwt.sign(payload, opts.secret ?? app.config.auth.jwtSecret, { algorithm: opts.algorithm ?? 'HS256' });
}

/** An unsigned token (`alg: none`), the classic JWT bypass. */
const unsigned = (sub: string, kind: 'user' | 'shop') =>
  `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ jti: 'forged', sv: 0, sub, aud: `mvshop:${kind}`, iss: 'mvshop', exp: nowSeconds() + 3600 })}.`;

describe('session tokens', () => {
  it('when a valid user token comes as Authorization: Bearer without cookies, /user/me answers 200', async () => {
    const { user, client } = await signUpUser(app);
    const token = client.cookies.get('token')!;
    const res = await app.client().get('/user/me', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.user._id).toBe(user._id);
  });

  it('when a correctly signed token has expired, answers 401 saying the session expired', async () => {
    const { user } = await signUpUser(app);
    const expired = forge({ sub: user._id, kind: 'user', exp: nowSeconds() - 60 });
    const viaCookie = app.client();
    viaCookie.cookies.set('token', expired);
    for (const res of [await viaCookie.get('/user/me'), await app.client().get('/user/me', bearer(expired))]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, code: 'UNAUTHENTICATED', message: expect.stringMatching(/expired/) });
    }
    // The same claims with a future expiry are accepted: the refusal was the expiry alone.
    expect((await app.client().get('/user/me', bearer(forge({ sub: user._id, kind: 'user' })))).status).toBe(200);
  });

  it('when a token is signed with another secret, answers 401', async () => {
    const { user } = await signUpUser(app);
    const res = await app.client().get('/user/me', bearer(forge({ sub: user._id, kind: 'user' }, { secret: 'not-the-server-secret-0123456789abcdef' })));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/Invalid session/);
  });

  it('when a token uses alg none or another HMAC algorithm, answers 401', async () => {
    const { user } = await signUpUser(app);
    expect((await app.client().get('/user/me', bearer(unsigned(user._id, 'user')))).status).toBe(401);
    const hs512 = forge({ sub: user._id, kind: 'user' }, { algorithm: 'HS512' });
    expect((await app.client().get('/user/me', bearer(hs512))).status).toBe(401);
    const viaCookie = app.client();
    viaCookie.cookies.set('token', unsigned(user._id, 'user'));
    expect((await viaCookie.get('/user/me')).status).toBe(401);
  });

  it("when a token's payload is edited to name another account, the signature check refuses it with 401", async () => {
    const victim = await signUpUser(app);
    const attacker = await signUpUser(app);
    const [header, , signature] = attacker.client.cookies.get('token')!.split('.');
    const payload = JSON.parse(Buffer.from(attacker.client.cookies.get('token')!.split('.')[1]!, 'base64url').toString());
    const edited = `${header}.${b64url({ ...payload, sub: victim.user._id })}.${signature}`;
    expect((await app.client().get('/user/me', bearer(edited))).status).toBe(401);
  });

  it('when a token is garbage or the Bearer value is empty, answers 401 with a JSON error', async () => {
    for (const headers of [bearer('not.a.jwt'), { authorization: 'Bearer ' }, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const res = await app.client().get('/user/me', headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    }
  });

  it('when a token lacks the session version claim, answers 401', async () => {
    const { user } = await signUpUser(app);
    const token = jwt.sign({ sub: user._id, aud: 'mvshop:user', iss: 'mvshop' }, app.config.auth.jwtSecret, { expiresIn: 60 });
    expect((await app.client().get('/user/me', bearer(token))).status).toBe(401);
  });
});

describe('user and seller tokens are never interchangeable', () => {
  it('when a seller token is used on user routes (cookie or Bearer), answers 401', async () => {
    const shop = await signUpShop(app);
    const sellerToken = shop.client.cookies.get('seller_token')!;
    // The signed-in seller's own cookies.
    expect((await shop.client.get('/user/me')).status).toBe(401);
    // The seller token placed in the user cookie.
    const asUserCookie = app.client();
    asUserCookie.cookies.set('token', sellerToken);
    expect((await asUserCookie.get('/user/me')).status).toBe(401);
    expect((await asUserCookie.put('/user/update-info', { name: 'x' })).status).toBe(401);
    // As a Bearer token.
    expect((await app.client().get('/user/me', bearer(sellerToken))).status).toBe(401);
    expect((await app.client().get('/user/admin/users', bearer(sellerToken))).status).toBe(401);
  });

  it('when a user token is used on seller routes (cookie or Bearer), answers 401', async () => {
    const buyer = await signUpUser(app);
    const userToken = buyer.client.cookies.get('token')!;
    expect((await buyer.client.get('/shop/me')).status).toBe(401);
    const asSellerCookie = app.client();
    asSellerCookie.cookies.set('seller_token', userToken);
    expect((await asSellerCookie.get('/shop/me')).status).toBe(401);
    expect((await asSellerCookie.put('/shop/update-seller-info', { name: 'x' })).status).toBe(401);
    expect((await app.client().get('/shop/me', bearer(userToken))).status).toBe(401);
    expect((await app.client().put('/shop/update-payment-method', {}, bearer(userToken))).status).toBe(401);
  });

  it("when a user token is forged with the seller audience but a user's id, answers 401 on seller routes", async () => {
    const buyer = await signUpUser(app);
    expect((await app.client().get('/shop/me', bearer(forge({ sub: buyer.user._id, kind: 'shop' })))).status).toBe(401);
  });
});

describe('deleted and banned accounts', () => {
  it("when a buyer is deleted, the buyer's live token is refused with 401", async () => {
    const { client, user } = await signUpUser(app);
    const token = client.cookies.get('token')!;
    await deleteUser(operator(), user._id, 'test');
    expect((await client.get('/user/me')).status).toBe(401);
    const res = await app.client().get('/user/me', bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/no longer exists/);
  });

  it("when a buyer is banned, the live token is refused (403, naming the ban), login too; lifting the ban restores both", async () => {
    const { client, user, email } = await signUpUser(app);
    await setUserBan(operator(), user._id, true, 'chargebacks');
    const me = await client.get('/user/me');
    expect(me.status).toBe(403);
    expect(me.body).toMatchObject({ success: false, code: 'FORBIDDEN', message: expect.stringMatching(/banned: chargebacks/) });
    expect((await client.put('/user/update-info', { name: 'Ban Evader' })).status).toBe(403);
    const [row] = await app.core.database.db.select().from(users).where(eq(users.id, user._id));
    expect(row!.name).toBe('Ann Buyer');
    const login = await app.client().post('/user/login', { email, password: PASSWORD });
    expect(login.status).toBe(403);
    expect(login.body.message).toMatch(/banned/);
    expect(login.cookies.token).toBeUndefined();

    await setUserBan(operator(), user._id, false);
    expect((await client.get('/user/me')).status).toBe(200);
  });

  it("when a shop is banned, the seller's token is refused, login is refused and the public page is gone", async () => {
    const shop = await signUpShop(app);
    await setShopBan(operator(), shop.seller._id, true, 'counterfeits');
    const me = await shop.client.get('/shop/me');
    expect(me.status).toBe(403);
    expect(me.body.message).toMatch(/banned/);
    expect((await shop.client.put('/shop/update-seller-info', { name: 'Renamed' })).status).toBe(403);
    expect((await app.client().post('/shop/login', { email: shop.email, password: PASSWORD })).status).toBe(403);
    expect((await app.client().get(`/shop/shop-info/${shop.seller._id}`)).status).toBe(404);
  });

  it('a ban made by this process applies to a session it has just checked; one made elsewhere within SESSION_CACHE_MS', async () => {
    const here = await signUpUser(app);
    expect((await here.client.get('/user/me')).status).toBe(200);
    await setUserBan(operator(), here.user._id, true, 'fraud');
    expect((await here.client.get('/user/me')).status).toBe(403);

    const elsewhere = await signUpUser(app);
    expect((await elsewhere.client.get('/user/me')).status).toBe(200);
    // As the CLI or another API instance would: straight to the database, not through this process.
    await app.core.database.db.update(users).set({ bannedAt: new Date(), banReason: 'fraud' }).where(eq(users.id, elsewhere.user._id));
    const sessionCacheMs = app.config.auth.sessionCacheMs;
    expect(sessionCacheMs).toBe(1000);
    await new Promise((r) => setTimeout(r, sessionCacheMs + 50));
    expect((await elsewhere.client.get('/user/me')).status).toBe(403);
  });

  it('a session newer than the account state this process last read (password changed elsewhere) is accepted', async () => {
    const { client, user } = await signUpUser(app);
    expect((await client.get('/user/me')).status).toBe(200);
    // Another process changed the password: the version went up and the buyer got a token carrying it.
    await app.core.database.db.update(users).set({ sessionVersion: 1 }).where(eq(users.id, user._id));
    const fresh = issueSessionToken(app.core.ctx(), 'user', { id: user._id, sessionVersion: 1 });
    expect((await app.client().get('/user/me', bearer(fresh))).status).toBe(200);
    expect((await client.get('/user/me')).status).toBe(401);
  });

  it('a password change ends the other sessions at once, even ones checked a moment ago', async () => {
    const { client, email } = await signUpUser(app);
    const other = app.client();
    expect((await other.post('/user/login', { email, password: PASSWORD })).status).toBe(200);
    expect((await other.get('/user/me')).status).toBe(200);
    const changed = await client.put('/user/change-password', { oldPassword: PASSWORD, newPassword: `${PASSWORD}-2` });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await other.get('/user/me')).status).toBe(401);
    expect((await client.get('/user/me')).status).toBe(200);
  });

  it("when a shop is deleted, the seller's token is refused with 401", async () => {
    const shop = await signUpShop(app);
    const token = shop.client.cookies.get('seller_token')!;
    await deleteShop(operator(), shop.seller._id, 'closed');
    expect((await shop.client.get('/shop/me')).status).toBe(401);
    expect((await app.client().get('/shop/me', bearer(token))).status).toBe(401);
  });
});

describe('logout ends the session', () => {
  /** Another API process on the same database: its own pool and its own session cache. */
  async function secondProcess() {
    const config = { ...app.config, redisUrl: undefined };
    const core = await createCore(config, { poolSize: 2 });
    const api = await startApi(config, core);
    const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return { client: () => new TestClient(`${url}/api/v1`), close: () => api.close() };
  }

  it('when a buyer logs out, that token is refused afterwards (cookie and Bearer); the account\'s other sessions go on', async () => {
    const { client, email, user } = await signUpUser(app);
    const token = client.cookies.get('token')!;
    const other = app.client();
    expect((await other.post('/user/login', { email, password: PASSWORD })).status).toBe(200);
    expect((await app.client().get('/user/me', bearer(token))).status).toBe(200);

    expect((await client.post('/user/logout')).status).toBe(200);
    const replayed = app.client();
    replayed.cookies.set('token', token);
    for (const res of [await replayed.get('/user/me'), await app.client().get('/user/me', bearer(token))]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED', message: expect.stringMatching(/signed out/) });
    }
    expect((await other.get('/user/me')).status).toBe(200);
    const rows = await app.core.database.db.select().from(endedSessions).where(eq(endedSessions.accountId, user._id));
    expect(rows).toEqual([expect.objectContaining({ kind: 'user', expiresAt: expect.any(Date) })]);
  });

  it('when a seller logs out by GET with a Bearer token, that token is refused afterwards', async () => {
    const shop = await signUpShop(app);
    const token = shop.client.cookies.get('seller_token')!;
    expect((await app.client().get('/shop/logout', bearer(token))).status).toBe(200);
    expect((await app.client().get('/shop/me', bearer(token))).status).toBe(401);
    expect((await shop.client.get('/shop/me')).status).toBe(401);
  });

  it('another API process refuses the token too: at once if it had not checked it, within SESSION_CACHE_MS if it just had', async () => {
    const other = await secondProcess();
    try {
      const { client } = await signUpUser(app);
      const checked = client.cookies.get('token')!;
      const second = await signUpUser(app);
      const unchecked = second.client.cookies.get('token')!;
      expect((await other.client().get('/user/me', bearer(checked))).status).toBe(200);

      expect((await client.post('/user/logout')).status).toBe(200);
      expect((await second.client.post('/user/logout')).status).toBe(200);
      expect((await other.client().get('/user/me', bearer(unchecked))).status).toBe(401);
      await new Promise((r) => setTimeout(r, app.config.auth.sessionCacheMs + 50));
      expect((await other.client().get('/user/me', bearer(checked))).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('a logout with an expired, forged or missing token still answers 200 and clears the cookie, ending nothing', async () => {
    const { user } = await signUpUser(app);
    const before = await app.core.database.db.$count(endedSessions);
    for (const token of [forge({ sub: user._id, kind: 'user', exp: nowSeconds() - 60 }), 'not.a.jwt', undefined]) {
      const res = await app.client().post('/user/logout', undefined, token ? bearer(token) : {});
      expect(res.status).toBe(200);
    }
    expect(await app.core.database.db.$count(endedSessions)).toBe(before);
  });
});

describe('session cookies', () => {
  const cookieLine = (setCookies: string[], name: string) => setCookies.find((l) => l.startsWith(`${name}=`)) ?? '';

  it('sets token as HttpOnly, SameSite=Lax, Path=/ and (outside production) not Secure, on activation and login', async () => {
    const { email } = await signUpUser(app);
    const res = await app.client().post('/user/login', { email, password: PASSWORD });
    const line = cookieLine(res.setCookies, 'token');
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(new RegExp(`; Max-Age=${app.config.auth.jwtExpiresSeconds}`));
    expect(line).not.toMatch(/; Secure/);
  });

  it('sets seller_token with the same flags, and logout clears it with them', async () => {
    const shop = await signUpShop(app);
    const login = await app.client().post('/shop/login', { email: shop.email, password: PASSWORD });
    const line = cookieLine(login.setCookies, 'seller_token');
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).not.toMatch(/; Secure/);
    const cleared = cookieLine((await shop.client.get('/shop/logout')).setCookies, 'seller_token');
    expect(cleared).toMatch(/^seller_token=;/);
    expect(cleared).toMatch(/; HttpOnly/);
    expect(cleared).toMatch(/; SameSite=Lax/);
  });

  describe('with COOKIE_SECURE=true', () => {
    let secure: TestApp;
    beforeAll(async () => {
      secure = await startTestApp({ env: { COOKIE_SECURE: 'true' } });
    });
    afterAll(() => secure?.close());

    it('sets token and seller_token with Secure, and clears them with Secure', async () => {
      const buyer = await signUpUser(secure);
      const login = await secure.client().post('/user/login', { email: buyer.email, password: PASSWORD });
      expect(cookieLine(login.setCookies, 'token')).toMatch(/; Secure/);
      expect(cookieLine(login.setCookies, 'token')).toMatch(/; HttpOnly/);
      const logout = await buyer.client.post('/user/logout');
      expect(cookieLine(logout.setCookies, 'token')).toMatch(/; Secure/);

      const shop = await signUpShop(secure);
      const sellerLogin = await secure.client().post('/shop/login', { email: shop.email, password: PASSWORD });
      expect(cookieLine(sellerLogin.setCookies, 'seller_token')).toMatch(/; Secure/);
    });
  });
});
