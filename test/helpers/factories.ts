import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { linkToken } from './smtp.ts';
import type { TestApp } from './app.ts';
import type { TestClient } from './http.ts';

export const uniqueEmail = (label = 'user') => `${label}.${randomBytes(5).toString('hex')}@example.com`;
export const PASSWORD = 'correct-horse-9';

/** Registers and activates a buyer through the real routes; returns its signed-in client. */
export async function signUpUser(app: Pick<TestApp, 'client' | 'mail'>, over: { name?: string; email?: string; password?: string } = {}) {
  const client = app.client();
  const email = over.email ?? uniqueEmail('buyer');
  const res = await client.post('/user/register', { name: over.name ?? 'Ann Buyer', email, password: over.password ?? PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
  const activated = await client.post('/user/activate-account', { activation_token: linkToken(mail) });
  expect(activated.status, JSON.stringify(activated.body)).toBe(201);
  return { client, email, password: over.password ?? PASSWORD, user: activated.body.user as { _id: string } & Record<string, any> };
}

export const shopFields = () => ({
  name: 'Corner Shop',
  email: uniqueEmail('shop'),
  password: PASSWORD,
  phoneNumber: '+1 555 0100',
  address: '1 Market Street, Springfield',
  zipCode: '12345',
});

/** Registers and activates a shop; returns its signed-in seller client. */
export async function signUpShop(app: Pick<TestApp, 'client' | 'mail'>, over: Partial<ReturnType<typeof shopFields>> = {}) {
  const client = app.client();
  const fields = { ...shopFields(), ...over };
  const res = await client.post('/shop/register', fields);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const mail = await app.mail.waitFor(fields.email, (m) => /activate your mvshop shop/i.test(m.subject));
  const activated = await client.post('/shop/activate-account', { activation_token: linkToken(mail) });
  expect(activated.status, JSON.stringify(activated.body)).toBe(201);
  return { client, ...fields, seller: activated.body.seller as { _id: string } & Record<string, any> };
}

/** An admin: a signed-up buyer promoted through the same core call the CLI uses. */
export async function signUpAdmin(app: TestApp) {
  const { createAdmin } = await import('../../src/core/users/index.ts');
  const buyer = await signUpUser(app, { name: 'Ada Admin' });
  await createAdmin(app.core.ctx({ kind: 'operator', name: 'test' }), { email: buyer.email });
  return buyer;
}

export type SignedIn = { client: TestClient };
