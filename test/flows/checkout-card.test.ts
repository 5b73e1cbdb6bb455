import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { verifyLedger } from '../../src/core/ledger/index.ts';
import { reconcilePayments } from '../../src/core/flows/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { ADDRESS, addToCart, balances, listProduct } from '../helpers/commerce.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import type { TestClient } from '../helpers/http.ts';

let app: TestApp;
let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
  app = await startTestApp({
    env: {
      ...stripe.env,
      STRIPE_API_KEY: 'pk_test_storefront',
    },
  });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});
beforeEach(() => stripe.clearFaults());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const intentOf = (clientSecret: string) => clientSecret.split('_secret_')[0]!;

async function cartWithTwoShops(stockA = 5) {
  const a = await signUpShop(app);
  const b = await signUpShop(app);
  const pa = await listProduct(a.client, { originalPrice: 30, stock: stockA });
  const pb = await listProduct(b.client, { originalPrice: 12.5, stock: 5 });
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, pa, 2);
  await addToCart(buyer.client, pb, 1);
  return { a, b, pa, pb, buyer };
}

async function pay(buyer: TestClient) {
  const res = await buyer.post('/payment/payment-process', { shippingAddress: ADDRESS, amount: 1 });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...res.body, intentId: intentOf(res.body.client_secret) } as { client_secret: string; amount: number; currency: string; checkoutId: string; intentId: string };
}

const createOrder = (buyer: TestClient, intentId: string) =>
  buyer.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });

describe('payment-process', () => {
  it('charges the server-priced cart, ignores a client amount, and reuses the intent for an unchanged cart', async () => {
    const { buyer, pa } = await cartWithTwoShops();
    const first = await pay(buyer.client);
    expect(first.amount).toBe(72.5);
    expect(first.currency).toBe('usd');
    expect(stripe.paymentIntents.get(first.intentId)?.amount).toBe(7250);
    const again = await pay(buyer.client);
    expect(again.intentId).toBe(first.intentId);
    expect([...stripe.paymentIntents.values()].filter((p) => p.metadata.checkoutId === first.checkoutId)).toHaveLength(1);

    await addToCart(buyer.client, pa, 1);
    const changed = await pay(buyer.client);
    expect(changed.intentId).toBe(first.intentId);
    expect(changed.amount).toBe(102.5);
    expect(stripe.paymentIntents.get(first.intentId)?.amount).toBe(10250);
    const create = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    expect(create?.idempotencyKey).toBe(`pi-create-${first.checkoutId}`);
  });

  it('GET stripeapikey returns the publishable key', async () => {
    const res = await app.client().get('/payment/get/stripeapikey');
    expect(res.body).toEqual({ success: true, stripeApikey: 'pk_test_storefront' });
  });
});

describe('create-order with a card', () => {
  it('when the intent has not succeeded, answers 422 and creates no order', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId } = await pay(buyer.client);
    const res = await createOrder(buyer.client, intentId);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/has not succeeded/);
    expect(await rows(sql`SELECT id FROM orders WHERE user_id = ${buyer.user._id}`)).toHaveLength(0);
  });

  it('after payment, creates one order per shop and credits each seller net of commission in the ledger', async () => {
    const { a, b, buyer } = await cartWithTwoShops();
    const { intentId } = await pay(buyer.client);
    stripe.succeed(intentId);
    const res = await createOrder(buyer.client, intentId);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders).toHaveLength(2);
    for (const o of res.body.orders) expect(o.paymentInfo).toEqual({ id: intentId, type: 'Credit Card', status: 'succeeded' });
    const bal = await balances(app);
    expect(bal[`shop:${a.seller._id}:pending`]).toBe(5400); // 60.00 − 6.00
    expect(bal[`shop:${b.seller._id}:pending`]).toBe(1125); // 12.50 − 1.25
    const report = await verifyLedger(app.core.ctx());
    expect(report).toMatchObject({ ok: true, totalMinor: 0 });
    const sellerMe = await a.client.get('/shop/balance');
    expect(sellerMe.body.balance).toMatchObject({ pending: 54, available: 0 });
    const cart = await buyer.client.get('/cart/get-cart');
    expect(cart.body.cart.itemCount).toBe(0);
  });

  it('another buyer cannot claim someone else’s intent', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId } = await pay(buyer.client);
    stripe.succeed(intentId);
    const thief = await signUpUser(app);
    const res = await createOrder(thief.client, intentId);
    expect(res.status).toBe(404);
  });

  it('one intent finalizes one checkout: five duplicate create-orders racing the webhook make one set of orders', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId } = await pay(buyer.client);
    const pi = stripe.succeed(intentId);
    const event = stripe.webhookEvent('payment_intent.succeeded', pi);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => createOrder(buyer.client, intentId)),
      stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, event),
    ]);
    for (const r of results) expect(r.status).toBeLessThan(300);
    const orders = await rows<{ id: string }>(sql`SELECT id FROM orders WHERE payment_intent_id = ${intentId}`);
    expect(orders).toHaveLength(2);
    const payments = await rows(sql`SELECT id FROM payments WHERE payment_intent_id = ${intentId}`);
    expect(payments).toHaveLength(1);
    expect((await verifyLedger(app.core.ctx())).ok).toBe(true);
  });
});

describe('the Stripe webhook', () => {
  it('finalizes a paid checkout when the browser never came back, and ignores the same event delivered twice', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    const event = stripe.webhookEvent('payment_intent.succeeded', stripe.succeed(intentId));
    const first = await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, event);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ received: true, outcome: 'processed' });
    const again = await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, event);
    expect(again.json).toMatchObject({ outcome: 'duplicate' });
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(2);
    await app.mail.waitFor(buyer.email, (m) => /order is confirmed/.test(m.subject));
  });

  it('a late payment_failed after success changes nothing', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    const pi = stripe.succeed(intentId);
    await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, stripe.webhookEvent('payment_intent.succeeded', pi));
    const late = await stripe.deliverWebhook(
      `${app.url}/api/v1/payment/webhook`,
      stripe.webhookEvent('payment_intent.payment_failed', { ...pi, status: 'requires_payment_method' }),
    );
    expect(late.status).toBe(200);
    const [checkout] = await rows<{ status: string }>(sql`SELECT status FROM checkouts WHERE id = ${checkoutId}`);
    expect(checkout!.status).toBe('completed');
  });

  it('refuses a payload whose signature does not match, with 400 (as Stripe expects) and no effect', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    const event = stripe.webhookEvent('payment_intent.succeeded', stripe.succeed(intentId));
    const res = await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, event, { secret: 'whsec_wrong' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: 'VALIDATION_FAILED', message: 'Stripe webhook signature does not match' });
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(0);
    expect(await rows(sql`SELECT id FROM stripe_events WHERE id = ${event.id}`)).toHaveLength(0);
  });
});

describe('stock gone after payment', () => {
  it('refunds the whole payment automatically, emails the buyer and creates no order', async () => {
    const { buyer, pa } = await cartWithTwoShops(2);
    const { intentId, checkoutId } = await pay(buyer.client);
    stripe.succeed(intentId);
    await rows(sql`UPDATE product_stock SET stock = 1 WHERE product_id = ${pa}`);
    const res = await createOrder(buyer.client, intentId);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/refunded in full/);
    expect(stripe.amountRefunded(intentId)).toBe(7250);
    const [refund] = await rows<{ status: string; amount_minor: number }>(sql`SELECT status, amount_minor FROM refunds WHERE checkout_id = ${checkoutId}`);
    expect(refund).toEqual({ status: 'succeeded', amount_minor: 7250 });
    const [payment] = await rows<{ status: string }>(sql`SELECT status FROM payments WHERE checkout_id = ${checkoutId}`);
    expect(payment!.status).toBe('refunded');
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(0);
    await app.mail.waitFor(buyer.email, (m) => /payment is being refunded/.test(m.subject));
    const [stock] = await rows<{ stock: number }>(sql`SELECT stock FROM product_stock WHERE product_id = ${pa}`);
    expect(stock!.stock).toBe(1);
  });

  it('when Stripe times out on that refund, records it as unknown (never failed) for the reconciler', async () => {
    const { buyer, pa } = await cartWithTwoShops(2);
    const { intentId, checkoutId } = await pay(buyer.client);
    stripe.succeed(intentId);
    await rows(sql`UPDATE product_stock SET stock = 0 WHERE product_id = ${pa}`);
    stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit' });
    const res = await createOrder(buyer.client, intentId);
    expect(res.status).toBe(409);
    const [refund] = await rows<{ status: string }>(sql`SELECT status FROM refunds WHERE checkout_id = ${checkoutId}`);
    expect(refund!.status).toBe('unknown');
    expect(stripe.amountRefunded(intentId)).toBe(7250);
  });
});

describe('the reconciler', () => {
  it('finalizes a paid checkout whose webhook never came, and confirms a refund Stripe left unknown', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    stripe.succeed(intentId);
    const system = app.core.ctx({ kind: 'system', name: 'reconciler' });
    const first = await reconcilePayments(system);
    expect(first.finalized).toBeGreaterThanOrEqual(1);
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(2);

    const { buyer: b2, pa } = await cartWithTwoShops(2);
    const paid = await pay(b2.client);
    stripe.succeed(paid.intentId);
    await rows(sql`UPDATE product_stock SET stock = 0 WHERE product_id = ${pa}`);
    stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'drop-connection', times: 2 });
    expect((await createOrder(b2.client, paid.intentId)).status).toBe(409);
    const [before] = await rows<{ status: string }>(sql`SELECT status FROM refunds WHERE checkout_id = ${paid.checkoutId}`);
    expect(before!.status).toBe('unknown');
    // Refunds touched in the last two minutes may still be in flight elsewhere: run as if later.
    const later = { ...system, clock: { now: () => new Date(Date.now() + 5 * 60_000) } };
    const second = await reconcilePayments(later);
    expect(second.refundsConfirmed).toBeGreaterThanOrEqual(1);
    const [after] = await rows<{ status: string }>(sql`SELECT status FROM refunds WHERE checkout_id = ${paid.checkoutId}`);
    expect(after!.status).toBe('succeeded');
    expect(stripe.amountRefunded(paid.intentId)).toBe(7250);
  });
});

describe('paid checkouts that cannot become orders', () => {
  it('when the coupon was used up between payment and finalize, the payment is refunded in full', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { originalPrice: 20, stock: 10 });
    const name = `ONCE${Date.now().toString(36).toUpperCase()}`;
    await shop.client.post('/coupon/create-coupon', { name, value: 10, usageLimit: 1 });
    const [b1, b2] = [await signUpUser(app), await signUpUser(app)];
    const pays = [];
    for (const b of [b1, b2]) {
      await addToCart(b.client, p, 1);
      const res = await b.client.post('/payment/payment-process', { shippingAddress: ADDRESS, couponCode: name });
      expect(res.status).toBe(201);
      pays.push({ b, intentId: intentOf(res.body.client_secret), checkoutId: res.body.checkoutId as string });
    }
    for (const p2 of pays) stripe.succeed(p2.intentId);
    expect((await createOrder(b1.client, pays[0]!.intentId)).status).toBe(201);
    const second = await createOrder(b2.client, pays[1]!.intentId);
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/refunded in full/);
    expect(stripe.amountRefunded(pays[1]!.intentId)).toBe(1800);
    const [checkout] = await rows<{ status: string }>(sql`SELECT status FROM checkouts WHERE id = ${pays[1]!.checkoutId}`);
    expect(checkout!.status).toBe('failed');
  });

  it('when Stripe captured a different amount than the checkout, the webhook refunds it instead of making orders', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    // The intent's amount was changed at Stripe behind mvshop's back before the buyer paid.
    stripe.paymentIntents.get(intentId)!.amount = 100;
    stripe.succeed(intentId);
    const [event] = stripe.eventsAbout(intentId).filter((e) => e.type === 'payment_intent.succeeded');
    const res = await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, event!);
    expect(res.status).toBe(200);
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(0);
    const [refund] = await rows<{ amount_minor: number }>(sql`SELECT amount_minor FROM refunds WHERE checkout_id = ${checkoutId}`);
    expect(refund!.amount_minor).toBe(100);
  });

  it('the webhook re-reads the intent: an event whose amount contradicts Stripe is not believed', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    const pi = stripe.succeed(intentId);
    const res = await stripe.deliverWebhook(
      `${app.url}/api/v1/payment/webhook`,
      stripe.webhookEvent('payment_intent.succeeded', { ...pi, amount: 100, amount_received: 100 }),
    );
    expect(res.status).toBe(200);
    expect(stripe.requests.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${intentId}`)).toBe(true);
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(2);
    expect(await rows(sql`SELECT id FROM refunds WHERE checkout_id = ${checkoutId}`)).toHaveLength(0);
  });

  it('a succeeded event for an intent Stripe says is not paid does nothing', async () => {
    const { buyer } = await cartWithTwoShops();
    const { intentId, checkoutId } = await pay(buyer.client);
    const pi = stripe.paymentIntents.get(intentId)!;
    const res = await stripe.deliverWebhook(
      `${app.url}/api/v1/payment/webhook`,
      stripe.webhookEvent('payment_intent.succeeded', { ...pi, status: 'succeeded', amount_received: pi.amount }),
    );
    expect(res.status).toBe(200);
    const [checkout] = await rows<{ status: string }>(sql`SELECT status FROM checkouts WHERE id = ${checkoutId}`);
    expect(checkout!.status).toBe('open');
    expect(await rows(sql`SELECT id FROM orders WHERE checkout_id = ${checkoutId}`)).toHaveLength(0);
  });

  it('going back to an earlier cart really changes the intent amount again', async () => {
    const { buyer, pa } = await cartWithTwoShops();
    const first = await pay(buyer.client);
    await buyer.client.put('/cart/update-cart-item', { productId: pa, qty: 3 });
    await pay(buyer.client);
    await buyer.client.put('/cart/update-cart-item', { productId: pa, qty: 2 });
    await pay(buyer.client);
    await buyer.client.put('/cart/update-cart-item', { productId: pa, qty: 3 });
    const last = await pay(buyer.client);
    expect(last.intentId).toBe(first.intentId);
    expect(stripe.paymentIntents.get(first.intentId)?.amount).toBe(Math.round(last.amount * 100));
  });
});

describe('without Stripe configured', () => {
  it('card payment answers 503 with a clear message', async () => {
    const plain = await startTestApp();
    try {
      const { client } = await signUpUser(plain);
      const res = await client.post('/payment/payment-process', { shippingAddress: ADDRESS });
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/Cash On Delivery/);
    } finally {
      await plain.close();
    }
  });
});
