import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/api/openapi/document.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpAdmin, signUpShop } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

/*
 * Requests generated from the document: for every operation with a JSON body, each property the
 * document names is sent with a value of every other JSON type, and each required property is left
 * out. None may answer 5xx (beyond a documented 503 for a provider that is not configured); every 4xx has the error shape (the TestClient checks each answer
 * against the document). Signed in as an admin who also runs a shop, so each guard is passed once.
 */

let app: TestApp;
let client: TestClient;
beforeAll(async () => {
  app = await startTestApp();
  const [admin, shop] = await Promise.all([signUpAdmin(app), signUpShop(app)]);
  client = app.client();
  client.cookies.set('token', admin.client.cookies.get('token')!);
  client.cookies.set('seller_token', shop.client.cookies.get('seller_token')!);
}, 60_000);
afterAll(async () => {
  await app?.close();
});

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[] };

const samples: Record<string, unknown> = { string: 'x', number: 12.5, integer: 3, boolean: true, array: [1, 'a'], object: { a: 1 }, null: null };
/** A value of each JSON type other than the ones the property takes. */
const wrongValues = (prop: Schema) => Object.entries(samples).filter(([type]) => type !== prop.type && !(prop.type === 'number' && type === 'integer')).map(([, v]) => v);

// Signing out or changing passwords would end the session the later requests need.
const skipped = /logout|change-password|delete-user|admin\/seller\//;

const cases = Object.entries(buildOpenApiDocument().paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([, op]) => op.requestBody?.content?.['application/json'] && !skipped.test(path) && path.startsWith('/api/v1/'))
    .map(([method, op]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path: path.replace('/api/v1', '').replace(/\{[^}]+\}/g, 'not-an-id'),
      schema: op.requestBody.content['application/json'].schema as Schema,
      documented: Object.keys(op.responses as object),
    })),
);

describe.each(cases)('$name', ({ method, path, schema, documented }) => {
  it('answers every mistyped or missing field with a 4xx in the error shape, never a 5xx', async () => {
    const bodies: unknown[] = [];
    for (const [name, prop] of Object.entries(schema.properties ?? {})) for (const v of wrongValues(prop)) bodies.push({ [name]: v });
    for (const name of schema.required ?? []) bodies.push(Object.fromEntries(Object.keys(schema.properties ?? {}).filter((k) => k !== name).map((k) => [k, 'x'])));
    for (const json of bodies) {
      const res = await client.request(method, path, { json });
      const unconfigured = res.status === 503 && documented.includes('503') && res.body.code === 'SERVICE_UNAVAILABLE';
      if (!unconfigured) expect(res.status, `${JSON.stringify(json)} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
      if (res.status >= 400) expect(res.body).toMatchObject({ success: false, code: expect.any(String), message: expect.any(String) });
    }
  });
});
