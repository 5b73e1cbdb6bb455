import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import { PASSWORD, uniqueEmail, shopFields } from './factories.ts';
import { TestClient } from './http.ts';
import { PNG_DATA_URL } from './commerce.ts';
import { linkToken } from './smtp.ts';

/** A browser on the storefront's origin talking to /api/v2, as the tutorial's axios calls do. */
export const storefront = (app: Pick<TestApp, 'url'>) => new TestClient(`${app.url}/api/v2`);

/** The same browser (its cookies) talking to /api/v1. */
export function asV1(app: Pick<TestApp, 'url'>, client: TestClient): TestClient {
  const v1 = new TestClient(`${app.url}/api/v1`);
  for (const [name, value] of client.cookies) v1.cookies.set(name, value);
  return v1;
}

/** The tutorial's sign-up and activation pages: `create-user` then `activation` with the emailed token. */
export async function v2SignUpUser(app: Pick<TestApp, 'url' | 'mail'>, name = 'Ann Buyer') {
  const client = storefront(app);
  const email = uniqueEmail('v2buyer');
  const created = await client.post('/user/create-user', { name, email, password: PASSWORD, avatar: PNG_DATA_URL });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
  const activated = await client.post('/user/activation', { activation_token: linkToken(mail) });
  expect(activated.status, JSON.stringify(activated.body)).toBe(201);
  return { client, email, token: linkToken(mail), created, user: activated.body.user as { _id: string } & Record<string, any> };
}

/** The tutorial's shop sign-up: `create-shop` with its fields, then `activation`. */
export async function v2SignUpShop(app: Pick<TestApp, 'url' | 'mail'>) {
  const client = storefront(app);
  const fields = { ...shopFields(), avatar: PNG_DATA_URL };
  const created = await client.post('/shop/create-shop', fields);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const mail = await app.mail.waitFor(fields.email, (m) => /activate your mvshop shop/i.test(m.subject));
  const activated = await client.post('/shop/activation', { activation_token: linkToken(mail) });
  expect(activated.status, JSON.stringify(activated.body)).toBe(201);
  return { client, ...fields, token: linkToken(mail), seller: activated.body.seller as { _id: string } & Record<string, any> };
}

/** The seller dashboard's create-product form body (base64 images, the shop's id it believes it is). */
export const productForm = (shopId: string, over: Record<string, unknown> = {}) => ({
  name: 'Storefront lamp',
  description: 'A lamp listed from the tutorial dashboard',
  category: 'Home',
  tags: 'lamp,light',
  originalPrice: 40,
  discountPrice: 30,
  stock: 5,
  shopId,
  images: [PNG_DATA_URL],
  ...over,
});

/** A cart line as the storefront keeps it in localStorage: the whole product document plus `qty`. */
export const cartLine = (product: Record<string, any>, qty: number, over: Record<string, unknown> = {}) => ({ ...product, qty, ...over });

export const SHIPPING = { address1: '1 Main St', address2: '', zipCode: 12345, country: 'US', city: 'Springfield' };

export { PASSWORD };
