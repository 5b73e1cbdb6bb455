import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listProduct } from '../helpers/commerce.ts';
import { signUpAdmin, signUpShop } from '../helpers/factories.ts';
import { startFakeAzure, type FakeAzure } from '../helpers/fake-azure.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { sendRaw } from '../helpers/http.ts';
import { registeredRoutes, type Route } from '../helpers/routes.ts';

/*
 * Every route the app registers gets every kind of malformed body a hostile client sends, signed
 * out and signed in as an admin who also runs a shop (so each guard is passed once). None may
 * answer 5xx, and every refusal has the error shape. Stripe and Azure are configured (at their
 * local stand-ins), so "not configured" 503s do not hide what the routes do with the input.
 */

let app: TestApp;
let stripe: FakeStripe;
let azure: FakeAzure;
let signedIn: Record<string, string>;
let productId: string;

beforeAll(async () => {
  [stripe, azure] = await Promise.all([startFakeStripe(), startFakeAzure()]);
  app = await startTestApp({
    env: {
      ...azure.env,
      ...stripe.env,
      STRIPE_API_KEY: 'pk_test_fuzz',
    },
  });
  const [admin, shop] = await Promise.all([signUpAdmin(app), signUpShop(app)]);
  productId = await listProduct(shop.client);
  signedIn = { cookie: `token=${admin.client.cookies.get('token')}; seller_token=${shop.client.cookies.get('seller_token')}` };
}, 60_000);
afterAll(async () => {
  await app?.close();
  await Promise.all([stripe?.close(), azure?.close()]);
});

const json = 'application/json';
const multipart = 'multipart/form-data; boundary=fuzz';
const every = (value: unknown) =>
  Object.fromEntries(
    [
      'name', 'email', 'password', 'oldPassword', 'newPassword', 'token', 'activation_token', 'idToken', 'description',
      'category', 'tags', 'originalPrice', 'discountPrice', 'stock', 'productId', 'orderId', 'qty', 'rating', 'comment',
      'value', 'minAmount', 'maxAmount', 'usageLimit', 'expiresAt', 'couponCode', 'status', 'reason', 'phoneNumber',
      'address', 'zipCode', 'country', 'city', 'address1', 'addressType', 'shippingFee', 'start_Date', 'finish_Date',
    ].map((k) => [k, value]),
  );

/** Bodies a hostile client sends: [label, content type, body]. */
const hostileBodies: [string, string, string | Buffer][] = [
  ['truncated JSON', json, '{"email": "a@b.c", "password": "x'],
  ['unbalanced JSON', json, '{"a": [1, 2}'],
  ['closing brackets only', json, ']]]}}}'],
  ['a bare string', json, '"just a string"'],
  ['JSON with the wrong content type', 'text/plain', '{"name":"x"}'],
  ['a form-urlencoded body', 'application/x-www-form-urlencoded', 'name=x&email=y'],
  ['multipart garbage', multipart, 'garbage'],
  ['multipart without a boundary', 'multipart/form-data', 'garbage'],
  ['multipart without its closing boundary', multipart, '--fuzz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'],
  ['multipart with a broken part header', multipart, '--fuzz\r\nbroken\r\n\r\nx\r\n--fuzz--\r\n'],
  ['multipart with a NUL and a lone surrogate in a field', multipart, '--fuzz\r\nContent-Disposition: form-data; name="name"\r\n\r\na\u0000b\ud800\r\n--fuzz--\r\n'],
  ['lone surrogates in every field', json, JSON.stringify({ ...every('a\ud800b'), shippingAddress: every('\udfff'), withdrawMethod: every('\ud800') })],
  ['NUL in every field', json, JSON.stringify({ ...every('a\u0000b'), shippingAddress: every('\u0000'), paymentInfo: { type: '\u0000' } })],
  ['huge numbers in every field', json, `{${Object.keys(every(0)).map((k) => `"${k}": 1e400`).join(',')}, "page": 123456789012345678901234567890}`],
  ['huge integers in every field', json, JSON.stringify({ ...every(1e20), page: 1e20, limit: 1e20 })],
  ['negative huge numbers', json, JSON.stringify({ ...every(-1.7976931348623157e308), paymentInfo: { type: 'Cash On Delivery', id: 1e308 } })],
  ['out-of-range dates', json, JSON.stringify({ ...every('0000-01-01'), start_Date: '0000-01-01', finish_Date: '275760-09-13T00:00:00Z', expiresAt: -8.64e15 })],
  ['wrong types everywhere', json, JSON.stringify({ ...every({ $gt: '' }), images: [{}], avatar: 42 })],
  ['deep nesting', json, `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ['an oversized JSON body (1 MB of small arrays)', json, `{"junk":[${'[0],'.repeat(250_000)}[0]]}`],
];

function expectNoFault(label: string, route: Route, res: Awaited<ReturnType<typeof sendRaw>>) {
  const where = `${route.method} ${route.path} with ${label}`;
  if ('error' in res) {
    // Only a body refused before it was read may be cut short; never a hang.
    expect(res.error, where).toMatch(/^(EPIPE|ECONNRESET)$/);
    return;
  }
  expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.body, where).toMatchObject({ success: false, message: expect.any(String), code: expect.any(String) });
    expect(Object.keys(res.body).filter((k) => !['success', 'message', 'code', 'fields'].includes(k)), where).toEqual([]);
  }
}

describe('fuzzing every registered route', () => {
  it('finds the routes the API documents (the enumeration works)', () => {
    const routes = registeredRoutes(createApp(app.core));
    expect(routes.length).toBeGreaterThan(60);
    expect(routes).toContainEqual({ method: 'POST', path: '/api/v1/user/register' });
    expect(routes).toContainEqual({ method: 'PUT', path: '/api/v1/product/:id' });
    expect(routes).toContainEqual({ method: 'POST', path: '/api/v1/payment/webhook' });
  });

  it('answers every malformed body on every route with a 4xx (or success) in the error shape, never a 5xx', async () => {
    const routes = registeredRoutes(createApp(app.core));
    // Path parameters: a real listing id (so routes reach their body handling), then junk.
    const paths = (route: Route) => [...new Set([route.path.replace(/:\w+/g, productId), route.path.replace(/:\w+/g, 'x%00%ED%A0%80')])];
    // Query strings with junk, and with numbers too large for the database's integers.
    const queries = ['?page=1e400&limit=-1&q=%00&minPrice=1e999&status=%ED%A0%80', '?page=100000000000000000000&limit=100&minPrice=1e20&maxPrice=-1e20'];
    let sent = 0;
    for (const route of routes) {
      // Signing out would end the session every other request here uses, and a signed-in GET /stream is
      // an event stream that stays open by design: both get the anonymous run only.
      const identities = route.path.endsWith('/logout') || route.path.startsWith('/api/v1/stream') ? [{}] : [{}, signedIn];
      for (const path of paths(route)) {
        for (const headers of identities) {
          await Promise.all(
            hostileBodies.map(async ([label, type, body], i) => {
              const res = await sendRaw(app.url, {
                method: route.method,
                path: `${path}${queries[i % queries.length]}`,
                headers: { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) },
                body,
              });
              sent++;
              expectNoFault(label, route, res);
            }),
          );
        }
      }
    }
    expect(sent).toBeGreaterThan(routes.length * hostileBodies.length);
  }, 240_000);

  it('answers a body that promises 100 MB but stops after a few bytes at once on every route, never waiting for the rest', async () => {
    const routes = registeredRoutes(createApp(app.core)).filter((r) => r.method !== 'GET');
    for (const route of routes) {
      const path = route.path.replace(/:\w+/g, productId);
      for (const headers of route.path.endsWith('/logout') ? [{}] : [{}, signedIn]) {
        const res = await sendRaw(app.url, {
          method: route.method,
          path,
          headers: { ...headers, 'content-type': json, 'content-length': 100 * 1024 * 1024 },
          body: '{"name":',
          timeoutMs: 5000,
        });
        expectNoFault('a 100 MB promise', route, res);
      }
    }
  }, 120_000);
});
