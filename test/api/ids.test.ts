import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/api/openapi/operations.ts';
import { listingIdMessage } from '../../src/core/catalog/fields.ts';
import { idPattern, idPrefixes, type IdKind } from '../../src/core/shared/id-kinds.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADDRESS } from '../helpers/commerce.ts';
import { signUpAdmin, signUpShop } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

/*
 * Every `:id` route in the document, called by an account allowed to call it: an id of the wrong
 * shape is 400 naming the kind expected, an id of the right shape that names nothing is 404.
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

/** A body the route would accept, so that only the id decides the answer. */
const validBodies: Record<string, unknown> = {
  '/api/v1/user/address/:id': ADDRESS,
  '/api/v1/order/update-order-status/:id': { status: 'Shipping' },
  '/api/v1/order/order-refund/:id': { reason: 'changed my mind' },
  '/api/v1/withdraw/reject-withdraw-request/:id': { reason: 'bank details do not match' },
};

/** Parameters that name the caller's own account: another account's id is 403, not 404 (tested with their routes). */
const ownAccount = new Set(['/api/v1/order/get-all-orders/:userId', '/api/v1/coupon/get-coupon/:shopId']);

const cases = operations.flatMap((op) =>
  Object.entries(op.params ?? {})
    .filter((entry): entry is [string, IdKind | 'listing'] => entry[1] !== 'string')
    .map(([name, kind]) => ({ op, name, kind })),
);

describe.each(cases)('$op.method $op.path', ({ op, name, kind }) => {
  const call = (id: string) => {
    const path = op.path.replace('/api/v1', '').replace(`:${name}`, id);
    return client.request(op.method.toUpperCase(), path, op.body || validBodies[op.path] ? { json: validBodies[op.path] ?? {} } : {});
  };

  it(`an id of the wrong shape is 400 naming a ${kind} id`, async () => {
    const res = await call('not-an-id');
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toContain(kind === 'listing' ? listingIdMessage : idPattern(kind).message);
  });

  it.skipIf(ownAccount.has(op.path))('an id of the right shape that names nothing is 404', async () => {
    const res = await call(`${idPrefixes[kind === 'listing' ? 'product' : kind]}_${'0'.repeat(26)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });
});
