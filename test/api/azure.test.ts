import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureVerifier } from '../../src/core/auth/azure-verifier.ts';
import { userIdentities, users } from '../../src/core/db/schema/index.ts';
import { signInWithAzure } from '../../src/core/users/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startFakeAzure, type FakeAzure } from '../helpers/fake-azure.ts';
import { PASSWORD, signUpUser, uniqueEmail } from '../helpers/factories.ts';

let app: TestApp;
let azure: FakeAzure;
beforeAll(async () => {
  azure = await startFakeAzure();
  app = await startTestApp({ env: azure.env });
});
afterAll(async () => {
  await app?.close();
  await azure?.close();
});

const usersWithEmail = (email: string) => app.core.database.db.select().from(users).where(eq(users.email, email));
const identityOf = (oid: string) =>
  app.core.database.db.select().from(userIdentities).where(eq(userIdentities.subject, `${azure.tenantId}:${oid}`));

describe('POST /user/azure-authentication', () => {
  it('a first sign-in creates the user from the token claims and sets the token cookie', async () => {
    const oid = randomUUID();
    const email = uniqueEmail('azure');
    const client = app.client();
    const res = await client.post('/user/azure-authentication', {
      idToken: await azure.idToken({ oid, email: email.toUpperCase(), name: 'Azure Ann' }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user).toMatchObject({ email, name: 'Azure Ann', role: 'User' });
    expect(res.body.token).toEqual(expect.any(String));
    expect(res.cookies.token).toBe(res.body.token);
    expect(res.setCookies.find((c) => c.startsWith('token='))).toMatch(/HttpOnly/i);
    expect(JSON.stringify(res.body.user)).not.toMatch(/password/i);

    const me = await client.get('/user/me');
    expect(me.status).toBe(200);
    expect(me.body.user._id).toBe(res.body.user._id);
    expect(await identityOf(oid)).toEqual([expect.objectContaining({ provider: 'azure-ad', userId: res.body.user._id })]);
  });

  it('the same tenant and object id with a changed email claim signs into the same user, whose email stays', async () => {
    const oid = randomUUID();
    const email = uniqueEmail('first');
    const first = await app.client().post('/user/azure-authentication', { idToken: await azure.idToken({ oid, email }) });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const renamed = uniqueEmail('renamed');
    const second = await app.client().post('/user/azure-authentication', {
      idToken: await azure.idToken({ oid, email: renamed, preferred_username: renamed, name: 'New Name' }),
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.user._id).toBe(first.body.user._id);
    expect(second.body.user.email).toBe(email);
    expect(await usersWithEmail(renamed)).toEqual([]);
  });

  it('first sign-ins of the same Azure user at once all succeed, as one account', async () => {
    const oid = randomUUID();
    const email = uniqueEmail('twice');
    const idToken = await azure.idToken({ oid, email });
    // Eight at once: a loser may read before the winner commits (and hit the unique key) or after
    // it (and find the email taken, by this identity's own new account); both must answer 200.
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.client().post('/user/azure-authentication', { idToken })));
    expect(answers.map((r) => r.status), JSON.stringify(answers.map((r) => r.body))).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((r) => r.body.user._id)).size).toBe(1);
    expect(await usersWithEmail(email)).toHaveLength(1);
  });

  it('without an email claim, preferred_username fills the profile', async () => {
    const email = uniqueEmail('upn');
    const res = await app.client().post('/user/azure-authentication', {
      idToken: await azure.idToken({ email: undefined, preferred_username: email }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.email).toBe(email);
  });

  const refused: [string, (email: string) => Promise<string>, RegExp][] = [
    ['signed by a key the tenant does not publish', (email) => azure.idToken({ email }, { key: 'stranger' }), /not signed by the tenant's keys/],
    ['issued for another application', (email) => azure.idToken({ email, aud: randomUUID() }), /another application \(aud\)/],
    [
      'issued by another tenant',
      (email) => azure.idToken({ email, iss: `https://login.microsoftonline.com/${randomUUID()}/v2.0` }),
      /another tenant or authority \(iss\)/,
    ],
    ['carrying another tenant id under our issuer', (email) => azure.idToken({ email, tid: randomUUID() }), /another tenant/],
    ['expired', (email) => azure.idToken({ email }, { expiresIn: -600 }), /expired/],
    ['signed with HS256 keyed by the public key', (email) => azure.idToken({ email }, { alg: 'HS256' }), /RS256/],
    ['unsigned (alg none)', (email) => azure.idToken({ email }, { alg: 'none' }), /RS256/],
    ['missing the object id', (email) => azure.idToken({ email, oid: undefined }), /no oid claim/],
    ['not a JWT at all', async () => 'not.a.jwt', /malformed/],
  ];
  it.each(refused)('a token %s is a 401 that says why, with no session and no user created', async (_label, makeToken, message) => {
    const email = uniqueEmail('refused');
    const res = await app.client().post('/user/azure-authentication', { idToken: await makeToken(email) });
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    expect(res.body.message).toMatch(/^Azure sign-in failed: /);
    expect(res.body.message).toMatch(message);
    expect(res.cookies.token).toBeUndefined();
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it('an email or name sent beside the token never chooses the account: it signs into the token owner only', async () => {
    const victim = await signUpUser(app, { name: 'Vic Tim' });
    const res = await app.client().post('/user/azure-authentication', {
      idToken: await azure.idToken({ email: uniqueEmail('attacker'), name: 'Mallory' }),
      email: victim.email,
      name: 'Vic Tim',
      _id: victim.user._id,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user._id).not.toBe(victim.user._id);
    expect(res.body.user.email).not.toBe(victim.email);
    expect(res.body.user.name).toBe('Mallory');
  });

  it('an email claim naming an existing password account is a 409, never a link: no session, and the owner keeps the account', async () => {
    const owner = await signUpUser(app);
    const oid = randomUUID();
    const res = await app.client().post('/user/azure-authentication', {
      idToken: await azure.idToken({ oid, email: owner.email.toUpperCase() }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(res.body.message).toMatch(/sign in with your password/);
    expect(res.cookies.token).toBeUndefined();
    expect(await identityOf(oid)).toEqual([]);
    expect(await usersWithEmail(owner.email)).toHaveLength(1);
    const login = await app.client().post('/user/login', { email: owner.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user._id).toBe(owner.user._id);
  });

  it('a missing or empty idToken is a 400 naming the field', async () => {
    for (const body of [{}, { idToken: '' }, { idToken: 42 }]) {
      const res = await app.client().post('/user/azure-authentication', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.fields).toHaveProperty('idToken');
    }
  });

  it("when the tenant's keys cannot be fetched, sign-in is a 502, not a 401 blaming the token", async () => {
    const cfg = { ...app.config.azure!, jwksUrl: 'http://127.0.0.1:9/keys' };
    const ctx = { ...app.core.ctx(), ports: { ...app.core.ports, azure: createAzureVerifier(cfg) } };
    const email = uniqueEmail('outage');
    await expect(signInWithAzure(ctx, { idToken: await azure.idToken({ email }) })).rejects.toMatchObject({
      code: 'EXTERNAL_SERVICE',
    });
    expect(await usersWithEmail(email)).toEqual([]);
  });
});

describe('POST /user/azure-authentication without Azure configured', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ redis: false });
  });
  afterAll(() => bare?.close());

  it('answers 503 naming the missing settings', async () => {
    const res = await bare.client().post('/user/azure-authentication', { idToken: await azure.idToken() });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false, code: 'SERVICE_UNAVAILABLE' });
    expect(res.body.message).toMatch(/AZURE_TENANT_ID/);
    expect(res.cookies.token).toBeUndefined();
  });
});
