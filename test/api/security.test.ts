import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { count, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, pendingRegistrations, shops, userAddresses, users } from '../../src/core/db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, shopFields, signUpAdmin, signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import { TEST_ORIGIN, type TestResponse } from '../helpers/http.ts';
import { linkToken } from '../helpers/smtp.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const db = () => app.core.database.db;
const EVIL_ORIGIN = 'https://evil.example';
const json = { 'content-type': 'application/json' };

/** The error shape every failure has: no stack, no internals. */
function expectCleanError(res: TestResponse, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(res.body).toMatchObject({ success: false, code, message: expect.any(String) });
  expect(Object.keys(res.body).filter((k) => !['success', 'code', 'message', 'fields'].includes(k))).toEqual([]);
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|stack/);
}

describe('malformed requests', () => {
  it('when the JSON body is malformed, answers 400 {success:false, message, code} without a stack trace', async () => {
    const res = await app.client().request('POST', '/user/login', { body: '{"email": "a@b.c", "password":', headers: json });
    expectCleanError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.message).toMatch(/Malformed JSON/);
  });

  it('when the JSON body is a bare string or null, answers 400; when it is an array, 400', async () => {
    for (const body of ['"x"', 'null', '[]', '42']) {
      const res = await app.client().request('POST', '/user/register', { body, headers: json });
      expectCleanError(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('when the route does not exist, answers 404 JSON naming it', async () => {
    for (const [method, path] of [
      ['GET', '/user/no-such-route'],
      ['DELETE', '/user/me'],
      ['GET', '/nothing-here'],
    ] as const) {
      const res = await app.client().request(method, path);
      expectCleanError(res, 404, 'NOT_FOUND');
      expect(res.body.message).toMatch(/No route for/);
    }
    const outside = await fetch(`${app.url}/not/an/api`);
    expect(outside.status).toBe(404);
    expect(await outside.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('when a path parameter is not valid percent-encoding, answers 400, not 500', async () => {
    for (const path of ['/user/get-user/%E0%A4%A', '/shop/shop-info/%ZZ']) {
      const res = await app.client().get(path);
      expectCleanError(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('when fields have the wrong type (objects, as in NoSQL injection), answers 400 naming them', async () => {
    const res = await app.client().post('/user/login', { email: { $gt: '' }, password: { $ne: null } });
    expectCleanError(res, 400, 'VALIDATION_FAILED');
    expect(Object.keys(res.body.fields).sort()).toEqual(['email', 'password']);
  });

  it('when a validation fails, answers 400 with fields naming exactly the failing fields', async () => {
    const res = await app.client().post('/shop/register', { ...shopFields(), email: 'nope', phoneNumber: 'abc' });
    expectCleanError(res, 400, 'VALIDATION_FAILED');
    expect(Object.keys(res.body.fields).sort()).toEqual(['email', 'phoneNumber']);
    expect(res.body.message).toMatch(/email/);
  });

  it('sends security headers and hides the framework', async () => {
    const res = await app.client().get('/user/me');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('with logging on, logs each request under the id it answers with, without cookies or tokens', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const logged = await startTestApp({ env: { LOG_LEVEL: 'info' }, log });
    try {
      const res = await logged.client().request('GET', '/user/me', { headers: { 'x-request-id': 'req-42', cookie: 'token=secret-value' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toBe('req-42');
      const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'req-42');
      expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 401 } });
      expect(JSON.stringify(line)).not.toContain('secret-value');
    } finally {
      await logged.close();
    }
  });
});

describe('mass assignment', () => {
  it('when update-info carries __proto__ with role Admin, the account stays a User', async () => {
    const { client, user } = await signUpUser(app);
    const res = await client.request('PUT', '/user/update-info', {
      body: '{"name":"Proto","__proto__":{"role":"Admin"},"constructor":{"prototype":{"role":"Admin"}}}',
      headers: json,
    });
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('User');
    const [row] = await db().select().from(users).where(eq(users.id, user._id));
    expect(row!.role).toBe('User');
    expect((await client.get('/user/admin/users')).status).toBe(403);
  });
});

describe('SQL metacharacters and hostile strings', () => {
  const HOSTILE = ["'; DROP TABLE users; --", '100% off_%', 'back\\slash \\x00 \\\\', `O'Brien "q" $1 ?; --`];

  it('in buyer names, passwords and address fields they are stored verbatim', async () => {
    for (const s of HOSTILE) {
      const email = uniqueEmail('sql');
      const password = `${s}-pass`;
      expect((await app.client().post('/user/register', { name: s, email, password })).status).toBe(201);
      const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
      const activated = await app.client().post('/user/activate-account', { activation_token: linkToken(mail) });
      expect(activated.status).toBe(201);
      expect(activated.body.user.name).toBe(s);

      const client = app.client();
      expect((await client.post('/user/login', { email, password })).status).toBe(200);
      const upd = await client.put('/user/update-info', { name: `${s}!` });
      expect(upd.body.user.name).toBe(`${s}!`);

      const addr = { country: s, state: s, city: s, address1: s, address2: s, addressType: s.slice(0, 40) };
      const added = await client.post('/user/address', addr);
      expect(added.status).toBe(201);
      expect(added.body.user.addresses[0]).toMatchObject(addr);
      const [row] = await db().select().from(userAddresses).where(eq(userAddresses.id, added.body.user.addresses[0]._id));
      expect(row).toMatchObject(addr);
    }
    const [{ n } = { n: 0 }] = await db().select({ n: count() }).from(users);
    expect(n).toBeGreaterThanOrEqual(HOSTILE.length);
  });

  it('in shop names, descriptions, addresses and bank fields they are stored verbatim; in formatted fields they are a 400', async () => {
    const shop = await signUpShop(app, { name: HOSTILE[0], address: HOSTILE[1] });
    expect(shop.seller).toMatchObject({ name: HOSTILE[0], address: HOSTILE[1] });
    for (const s of HOSTILE) {
      const res = await shop.client.put('/shop/update-seller-info', { name: s, description: s, address: s });
      expect(res.status).toBe(200);
      expect(res.body.seller).toMatchObject({ name: s, description: s, address: s });
      const bank = {
        bankName: s,
        bankCountry: s,
        bankSwiftCode: 'DEUTDEFF',
        bankAccountNumber: '12345678',
        bankHolderName: s,
        bankAddress: s,
      };
      const pm = await shop.client.put('/shop/update-payment-method', { withdrawMethod: bank });
      expect(pm.status).toBe(200);
      const [row] = await db().select().from(shops).where(eq(shops.id, shop.seller._id));
      expect(row).toMatchObject({ name: s, description: s, address: s, withdrawMethod: bank });

      for (const field of ['phoneNumber', 'zipCode']) {
        const bad = await shop.client.put('/shop/update-seller-info', { [field]: s });
        expectCleanError(bad, 400, 'VALIDATION_FAILED');
        expect(bad.body.fields).toHaveProperty(field);
      }
      const badBank = await shop.client.put('/shop/update-payment-method', {
        withdrawMethod: { ...bank, bankSwiftCode: s, bankAccountNumber: s },
      });
      expectCleanError(badBank, 400, 'VALIDATION_FAILED');
    }
  });

  it('in emails, tokens, ids and query parameters they are a 400, never a 500', async () => {
    const admin = await signUpAdmin(app);
    const buyer = await signUpUser(app);
    for (const s of HOSTILE) {
      const responses = [
        await app.client().post('/user/register', { name: 'x', email: s, password: PASSWORD }),
        await app.client().post('/user/login', { email: s, password: s }),
        await app.client().post('/shop/login', { email: `${s}@example.com`, password: s }),
        await app.client().post('/user/forgot-password', { email: s }),
        await app.client().post('/user/activate-account', { activation_token: s }),
        await app.client().post('/shop/activate-account', { activation_token: s }),
        await app.client().post('/user/reset-password', { token: s, password: PASSWORD }),
        await app.client().get(`/user/get-user/${encodeURIComponent(s)}`),
        await app.client().get(`/shop/shop-info/${encodeURIComponent(s)}`),
        await buyer.client.put(`/user/address/${encodeURIComponent(s)}`, { city: 'x' }),
        await buyer.client.delete(`/user/address/${encodeURIComponent(s)}`),
        await buyer.client.put('/user/update-info', { email: s, password: PASSWORD }),
        await buyer.client.put('/user/update-info', { phoneNumber: s }),
        await admin.client.get(`/user/admin/users?page=${encodeURIComponent(s)}`),
        await admin.client.get(`/shop/admin/sellers?limit=${encodeURIComponent(s)}`),
        await admin.client.delete(`/user/admin/delete-user/${encodeURIComponent(s)}`),
        await admin.client.delete(`/shop/admin/seller/${encodeURIComponent(s)}`),
      ];
      for (const res of responses) {
        expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
      }
      // Login with a wrong password for a well-formed but hostile-looking email is an ordinary 401 or 400.
      expect([400, 401]).toContain(responses[2]!.status);
    }
    // Every table is still there and the buyer can still use the API.
    expect((await buyer.client.get('/user/me')).status).toBe(200);
    expect(await db().$count(users)).toBeGreaterThan(0);
  });

  it('when a moderation reason is hostile, it is recorded verbatim in the audit log', async () => {
    const admin = await signUpAdmin(app);
    const victim = await signUpUser(app);
    const res = await admin.client.delete(`/user/admin/delete-user/${victim.user._id}`, { reason: HOSTILE[0] });
    expect(res.status).toBe(200);
    const [row] = await db().select().from(auditLog).where(eq(auditLog.target, victim.user._id));
    expect(row!.reason).toBe(HOSTILE[0]);
  });

  it('when a string contains a NUL character, answers 400 naming the field and stores nothing', async () => {
    const { client, user } = await signUpUser(app);
    const shop = await signUpShop(app);
    const email = uniqueEmail('nul');
    const cases: [TestResponse, string][] = [
      [await app.client().post('/user/register', { name: 'a\u0000b', email, password: PASSWORD }), 'name'],
      [await client.put('/user/update-info', { name: 'a\u0000b' }), 'name'],
      [await client.post('/user/address', { country: 'US', city: 'x\u0000', address1: 'x', addressType: 'Home' }), 'city'],
      [await shop.client.put('/shop/update-seller-info', { description: '\u0000' }), 'description'],
      [await shop.client.post('/shop/register', { ...shopFields(), address: 'x\u0000y' }), 'address'],
    ];
    for (const [res, field] of cases) {
      expectCleanError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.fields).toHaveProperty(field);
    }
    expect(await db().$count(pendingRegistrations, eq(pendingRegistrations.email, email))).toBe(0);
    expect(await db().$count(userAddresses, eq(userAddresses.userId, user._id))).toBe(0);
    const [row] = await db().select().from(users).where(eq(users.id, user._id));
    expect(row!.name).toBe('Ann Buyer');
  });

  it('when a multipart sign-up field contains a NUL character, answers 400, not 500', async () => {
    const form = new FormData();
    form.set('name', 'a\u0000b');
    form.set('email', uniqueEmail('nulform'));
    form.set('password', PASSWORD);
    const res = await app.client().request('POST', '/user/register', { body: form });
    expectCleanError(res, 400, 'VALIDATION_FAILED');
  });
});

describe('cross-site requests (Origin check on cookie sessions)', () => {
  /** A client on a foreign site whose browser attaches the victim's cookies. */
  const foreign = (cookies: Map<string, string>, origin: string | null = EVIL_ORIGIN, headers: Record<string, string> = {}) => {
    const c = app.client({ origin, headers });
    for (const [k, v] of cookies) c.cookies.set(k, v);
    return c;
  };

  it('when a buyer cookie comes with a foreign Origin, state-changing requests answer 403 and nothing changes', async () => {
    const { client, user, email } = await signUpUser(app);
    await client.post('/user/address', { country: 'US', city: 'Home', address1: '1 A St', addressType: 'Home' });
    const [before] = await db().select().from(users).where(eq(users.id, user._id));
    const addressId = (await client.get('/user/me')).body.user.addresses[0]._id;
    const evil = foreign(client.cookies);

    const attempts = [
      await evil.put('/user/update-info', { name: 'Pwned', email: uniqueEmail('evil'), password: PASSWORD }),
      await evil.post('/user/address', { country: 'XX', city: 'Evil', address1: '1', addressType: 'x' }),
      await evil.put(`/user/address/${addressId}`, { city: 'Evil' }),
      await evil.delete(`/user/address/${addressId}`),
      await evil.put('/user/change-password', { oldPassword: PASSWORD, newPassword: 'attacker-pass-1' }),
      await evil.post('/user/logout'),
    ];
    for (const res of attempts) {
      expectCleanError(res, 403, 'FORBIDDEN');
      expect(res.body.message).toMatch(/origin/i);
      expect(res.setCookies).toEqual([]);
    }
    const [after] = await db().select().from(users).where(eq(users.id, user._id));
    expect(after).toEqual(before);
    const addresses = await db().select().from(userAddresses).where(eq(userAddresses.userId, user._id));
    expect(addresses).toEqual([expect.objectContaining({ id: addressId, city: 'Home' })]);
    expect((await app.client().post('/user/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('when the Origin is missing but the Referer is foreign, or the Origin is "null", answers 403', async () => {
    const { client, user } = await signUpUser(app);
    const viaReferer = foreign(client.cookies, null, { referer: `${EVIL_ORIGIN}/page` });
    expectCleanError(await viaReferer.put('/user/update-info', { name: 'Pwned' }), 403, 'FORBIDDEN');
    const sandboxed = foreign(client.cookies, 'null');
    expectCleanError(await sandboxed.put('/user/update-info', { name: 'Pwned' }), 403, 'FORBIDDEN');
    const [row] = await db().select().from(users).where(eq(users.id, user._id));
    expect(row!.name).toBe('Ann Buyer');
  });

  it('when a seller cookie comes with a foreign Origin, bank details cannot be set or removed', async () => {
    const shop = await signUpShop(app);
    const evil = foreign(shop.client.cookies);
    const bank = {
      bankName: 'Evil Bank',
      bankCountry: 'XX',
      bankSwiftCode: 'EVILXXXX',
      bankAccountNumber: '66666666',
      bankHolderName: 'Mallory',
      bankAddress: 'Nowhere',
    };
    expectCleanError(await evil.put('/shop/update-payment-method', { withdrawMethod: bank }), 403, 'FORBIDDEN');
    expectCleanError(await evil.delete('/shop/delete-withdraw-method'), 403, 'FORBIDDEN');
    expectCleanError(await evil.put('/shop/update-seller-info', { name: 'Pwned' }), 403, 'FORBIDDEN');
    const [row] = await db().select().from(shops).where(eq(shops.id, shop.seller._id));
    expect(row).toMatchObject({ withdrawMethod: null, name: 'Corner Shop' });
  });

  it("when an admin's cookie comes with a foreign Origin, a user cannot be deleted and no audit row is written", async () => {
    const admin = await signUpAdmin(app);
    const victim = await signUpUser(app);
    const res = await foreign(admin.client.cookies).delete(`/user/admin/delete-user/${victim.user._id}`);
    expectCleanError(res, 403, 'FORBIDDEN');
    const [row] = await db().select().from(users).where(eq(users.id, victim.user._id));
    expect(row!.deletedAt).toBeNull();
    expect(await db().$count(auditLog, eq(auditLog.target, victim.user._id))).toBe(0);
  });

  it('when a foreign site reads with GET, CORS gives it no Access-Control-Allow-Origin; the allowed origin gets credentials', async () => {
    const { client } = await signUpUser(app);
    const evilRead = await foreign(client.cookies).get('/user/me');
    expect(evilRead.headers.get('access-control-allow-origin')).toBeNull();
    const own = await client.get('/user/me');
    expect(own.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect(own.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('when a request carries no session cookie (a Bearer client), the Origin check does not apply', async () => {
    const { client } = await signUpUser(app);
    const token = client.cookies.get('token')!;
    const res = await app.client({ origin: EVIL_ORIGIN }).put('/user/update-info', { name: 'Via Bearer' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe('Via Bearer');
  });
});

describe('rate limits on sign-in, sign-up and verification', () => {
  describe('per process, with TRUST_PROXY off (RATE_LIMIT_AUTH_MAX=3)', () => {
    let limited: TestApp;
    // Without Redis the limiter is this process's memory, so other test files sharing the loopback
    // address and the Redis server cannot spend this app's points.
    beforeAll(async () => {
      limited = await startTestApp({ redis: false, env: { RATE_LIMIT_AUTH_MAX: '3' } });
    });
    afterAll(() => limited?.close());

    it('when login is tried more than 3 times, answers 429 with a message and Retry-After, even with the right password', async () => {
      const email = uniqueEmail('brute');
      for (let i = 0; i < 3; i++) {
        const res = await limited.client().post('/user/login', { email, password: `guess-${i}-password` });
        expect(res.status).toBe(401);
      }
      const blocked = await limited.client().post('/user/login', { email, password: PASSWORD });
      expectCleanError(blocked, 429, 'RATE_LIMITED');
      expect(blocked.body.message).toMatch(/Too many attempts, try again in \d+ seconds/);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // The seller sign-in shares the sign-in budget of this address.
      expect((await limited.client().post('/shop/login', { email, password: PASSWORD })).status).toBe(429);
    });

    it('when X-Forwarded-For changes on every attempt, the limit still applies (the header is not trusted)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await limited
          .client()
          .post('/user/login', { email: uniqueEmail(), password: 'whatever-1' }, { 'x-forwarded-for': `198.51.100.${i + 1}, 10.0.0.${i}` });
        statuses.push(res.status);
      }
      // Whatever this address spent before, four more attempts cannot all pass a budget of three.
      expect(statuses.at(-1)).toBe(429);
    });

    it('when sign-up and activation are tried more than 3 times, they answer 429 too (each its own budget)', async () => {
      for (let i = 0; i < 3; i++) expect((await limited.client().post('/user/register', {})).status).toBe(400);
      expectCleanError(await limited.client().post('/shop/register', {}), 429, 'RATE_LIMITED');
      for (let i = 0; i < 3; i++) expect((await limited.client().post('/user/activate-account', {})).status).toBe(400);
      expectCleanError(await limited.client().post('/user/forgot-password', { email: uniqueEmail() }), 429, 'RATE_LIMITED');
      // Routes that are not sign-in, sign-up or verification are not limited.
      expect((await limited.client().get('/user/me')).status).toBe(401);
    });
  });

  describe('shared in Redis, behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let proxied: TestApp;
    beforeAll(async () => {
      proxied = await startTestApp({ env: { RATE_LIMIT_AUTH_MAX: '3', TRUST_PROXY: 'loopback' } });
      // Until Redis answers, requests are counted by the per-process fallback; start counting in Redis.
      const redis = proxied.api.redis!;
      if (redis.status !== 'ready') await once(redis, 'ready');
    });
    afterAll(() => proxied?.close());

    it('when the proxy is trusted, each client address has its own budget', async () => {
      // Random benchmarking-range addresses keep this run's Redis counters apart from other runs'.
      const randomIp = () => {
        const [x, y] = randomBytes(2);
        return `198.18.${x}.${(y! % 254) + 1}`;
      };
      const a = randomIp();
      let b = randomIp();
      while (b === a) b = randomIp();
      const login = (addr: string) =>
        proxied.client().post('/user/login', { email: uniqueEmail(), password: 'whatever-1' }, { 'x-forwarded-for': addr });
      for (let i = 0; i < 3; i++) expect((await login(a)).status).toBe(401);
      expect((await login(a)).status).toBe(429);
      expect((await login(b)).status).toBe(401);
    });
  });
});
