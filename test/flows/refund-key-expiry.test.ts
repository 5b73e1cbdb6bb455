import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { reconcilePayments } from '../../src/core/flows/index.ts';
import { verifyLedger } from '../../src/core/ledger/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { ADDRESS, addToCart, listProduct } from '../helpers/commerce.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';

let app: TestApp;
let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
  app = await startTestApp({
    env: stripe.env,
  });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});
beforeEach(() => stripe.clearFaults());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const HOUR = 3_600_000;
const reconcileAt = (offsetMs: number) =>
  reconcilePayments({ ...app.core.ctx({ kind: 'system', name: 'reconciler' }), clock: { now: () => new Date(Date.now() + offsetMs) } });

/** A card checkout over two shops (so one order's refund is a partial refund of the intent), its refund asked and confirmed by the seller. */
async function orderRefundLeftUnknown(fault: 'error500-after-commit' | 'error500-before-commit') {
  const a = await signUpShop(app);
  const b = await signUpShop(app);
  const pa = await listProduct(a.client, { originalPrice: 40, stock: 5 });
  const pb = await listProduct(b.client, { originalPrice: 10, stock: 5 });
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, pa, 1);
  await addToCart(buyer.client, pb, 1);
  const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
  const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
  stripe.succeed(intentId);
  const created = await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
  expect(created.status).toBe(201);
  const order = created.body.orders.find((o: any) => o.shopId === a.seller._id);
  expect((await buyer.client.put(`/order/order-refund/${order._id}`, { reason: 'broken' })).status).toBe(200);
  stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: fault });
  const res = await a.client.put(`/order/order-refund-success/${order._id}`);
  expect(res.status).not.toBe(200);
  const [refund] = await rows<{ id: string; status: string }>(sql`SELECT id, status FROM refunds WHERE order_id = ${order._id}`);
  expect(refund!.status).toBe('unknown');
  return { intentId, orderId: order._id as string, refundId: refund!.id };
}

const lookups = (intentId: string) => stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/refunds' && r.query.payment_intent === intentId);

describe('a refund retried after Stripe forgot its idempotency key', () => {
  it('the fake, like Stripe, replays a key for 24 hours and refunds again once the key is older (what the lookup guards against)', async () => {
    const { intentId } = await orderRefundLeftUnknown('error500-after-commit');
    const client = stripe.client();
    const key = `replay-${intentId}`;
    const first = await client.refunds.create({ payment_intent: intentId, amount: 100 }, { idempotencyKey: key });
    stripe.advanceClock(24 * HOUR - 60_000);
    const replayed = await client.refunds.create({ payment_intent: intentId, amount: 100 }, { idempotencyKey: key });
    expect(replayed.id).toBe(first.id);
    expect(stripe.refundsFor(intentId).filter((r) => r.amount === 100)).toHaveLength(1);
    stripe.advanceClock(60_000);
    const fresh = await client.refunds.create({ payment_intent: intentId, amount: 100 }, { idempotencyKey: key });
    expect(fresh.id).not.toBe(first.id);
    expect(stripe.refundsFor(intentId).filter((r) => r.amount === 100)).toHaveLength(2);
  });

  it('a fake with a shorter window (idempotencyTtlMs) forgets its keys by its own clock', async () => {
    const short = await startFakeStripe({ idempotencyTtlMs: 1_000 });
    try {
      const client = short.client();
      const pi = await client.paymentIntents.create({ amount: 500, currency: 'usd' }, { idempotencyKey: 'k' });
      expect((await client.paymentIntents.create({ amount: 500, currency: 'usd' }, { idempotencyKey: 'k' })).id).toBe(pi.id);
      short.advanceClock(1_000);
      expect((await client.paymentIntents.create({ amount: 500, currency: 'usd' }, { idempotencyKey: 'k' })).id).not.toBe(pi.id);
      expect(short.paymentIntents.size).toBe(2);
    } finally {
      await short.close();
    }
  });

  it('when Stripe did refund the first time, the reconciler finds that refund by its metadata and never pays twice', async () => {
    const { intentId, orderId, refundId } = await orderRefundLeftUnknown('error500-after-commit');
    expect(stripe.amountRefunded(intentId)).toBe(4000);
    // Stripe's clock and ours both move a day on: the refund's key is forgotten there.
    stripe.advanceClock(25 * HOUR);

    const report = await reconcileAt(25 * HOUR);
    expect(report.refundsConfirmed).toBeGreaterThanOrEqual(1);
    expect(lookups(intentId).length).toBeGreaterThanOrEqual(1);
    expect(stripe.amountRefunded(intentId)).toBe(4000);
    expect(stripe.refundsFor(intentId)).toHaveLength(1);
    const [refund] = await rows<{ status: string; provider_refund_id: string }>(sql`SELECT status, provider_refund_id FROM refunds WHERE id = ${refundId}`);
    expect(refund).toEqual({ status: 'succeeded', provider_refund_id: stripe.refundsFor(intentId)[0]!.id });
    const [order] = await rows<{ status: string }>(sql`SELECT status FROM orders WHERE id = ${orderId}`);
    expect(order!.status).toBe('Refund Success');
    expect(await verifyLedger(app.core.ctx())).toMatchObject({ ok: true });
  });

  it('when Stripe never got the first attempt, the lookup finds nothing and the refund is made once', async () => {
    const { intentId, refundId } = await orderRefundLeftUnknown('error500-before-commit');
    expect(stripe.amountRefunded(intentId)).toBe(0);
    stripe.advanceClock(25 * HOUR);
    await reconcileAt(25 * HOUR);
    expect(lookups(intentId).length).toBeGreaterThanOrEqual(1);
    expect(stripe.refundsFor(intentId)).toHaveLength(1);
    expect(stripe.refundsFor(intentId)[0]!.metadata.refundId).toBe(refundId);
    expect(stripe.amountRefunded(intentId)).toBe(4000);
  });

  it('within the key window the refund is simply sent again with its key, without a lookup', async () => {
    const { intentId } = await orderRefundLeftUnknown('error500-after-commit');
    await reconcileAt(5 * 60_000);
    expect(lookups(intentId)).toHaveLength(0);
    expect(stripe.refundsFor(intentId)).toHaveLength(1);
    expect(stripe.amountRefunded(intentId)).toBe(4000);
  });
});
