import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { reconcilePayments } from '../../src/core/flows/index.ts';
import { signUpUser } from '../helpers/factories.ts';
import { cardOrder, expectBooksClean, sellerWithBank, startCardApp, type CardApp } from '../helpers/money.ts';

const OPS = 'ops@mvshop.test';
let app: CardApp;
let hook: string;
beforeAll(async () => {
  app = await startCardApp({ env: { OPS_EMAIL: OPS } });
  hook = `${app.url}/api/v1/payment/webhook`;
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  app.stripe.clearFaults();
  app.stripe.holdRefunds(false);
  app.stripe.sendWebhooksTo(null);
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const reconcileLater = () =>
  reconcilePayments({ ...app.core.ctx({ kind: 'system', name: 'reconciler' }), clock: { now: () => new Date(Date.now() + 5 * 60_000) } });

/** A paid card order (40.00) whose buyer asked for a refund; `confirm` is the seller completing it. */
async function refundAsked() {
  const seller = await sellerWithBank(app, 40);
  const buyer = await signUpUser(app);
  const [order] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
  const [{ pi: intentId }] = (await rows<{ pi: string }>(
    sql`SELECT c.payment_intent_id AS pi FROM checkouts c JOIN orders o ON o.checkout_id = c.id WHERE o.id = ${order!._id}`,
  )) as [{ pi: string }];
  expect((await buyer.client.put(`/order/order-refund/${order!._id}`, { reason: 'broken' })).status).toBe(200);
  const confirm = () => seller.client.put(`/order/order-refund-success/${order!._id}`);
  return { seller, buyer, orderId: order!._id, intentId, confirm };
}

const refundRow = async (orderId: string) =>
  (
    await rows<{ id: string; status: string; attempt: number; provider_refund_id: string | null; last_error: string | null }>(
      sql`SELECT id, status, attempt, provider_refund_id, last_error FROM refunds WHERE order_id = ${orderId}`,
    )
  )[0]!;
const orderStatus = async (orderId: string) => (await rows<{ status: string }>(sql`SELECT status FROM orders WHERE id = ${orderId}`))[0]!.status;
const refundJournals = (orderId: string) => rows(sql`SELECT id FROM ledger_journals WHERE kind = 'order-refund' AND ref = ${orderId}`);
const mailsTo = (to: string, subject: RegExp) => app.mail.messages.filter((m) => m.to.includes(to) && subject.test(m.subject));

describe('a refund Stripe holds as pending', () => {
  it('pending → succeeded: the order waits in "Processing refund" with nothing booked, then completes from the webhook', async () => {
    const { buyer, orderId, intentId, confirm } = await refundAsked();
    app.stripe.holdRefunds();
    const res = await confirm();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.order.status).toBe('Processing refund');
    const waiting = await refundRow(orderId);
    expect(waiting).toMatchObject({ status: 'pending', attempt: 0 });
    expect(waiting.provider_refund_id).toBe(app.stripe.refundsFor(intentId)[0]!.id);
    expect(await refundJournals(orderId)).toHaveLength(0);
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Your refund for order ${orderId} is on its way`);
    await expectBooksClean(app);

    app.stripe.sendWebhooksTo(hook);
    app.stripe.settleRefund(waiting.provider_refund_id!, 'succeeded');
    const deliveries = await app.stripe.flushWebhooks();
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 200));
    expect(await orderStatus(orderId)).toBe('Refund Success');
    expect(await refundRow(orderId)).toMatchObject({ status: 'succeeded', attempt: 0 });
    expect(await refundJournals(orderId)).toHaveLength(1);
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Refund for order ${orderId}`);
    expect(mailsTo(buyer.email, /is on its way/)).toHaveLength(1);
    expect(app.stripe.amountRefunded(intentId)).toBe(4000);
    await expectBooksClean(app);
  });

  it('pending → failed: the refund is marked failed, nothing is booked, the order stays for a retry and the operator is emailed', async () => {
    const { orderId, intentId, confirm } = await refundAsked();
    app.stripe.holdRefunds();
    expect((await confirm()).status).toBe(200);
    const waiting = await refundRow(orderId);
    app.stripe.sendWebhooksTo(hook);
    app.stripe.settleRefund(waiting.provider_refund_id!, 'failed', 'expired_or_canceled_card');
    await app.stripe.flushWebhooks();
    const failed = await refundRow(orderId);
    expect(failed.status).toBe('failed');
    expect(failed.last_error).toMatch(/failed \(expired_or_canceled_card\)/);
    expect(await orderStatus(orderId)).toBe('Processing refund');
    expect(await refundJournals(orderId)).toHaveLength(0);
    expect(app.stripe.amountRefunded(intentId)).toBe(0);
    const mail = await app.mail.waitFor(OPS, (m) => m.subject === `Refund ${failed.id} failed`);
    expect(mail.text).toContain(`order ${orderId}`);
    expect(mail.text).toContain('40.00 USD');
    await expectBooksClean(app);
  });

  it('failed → retried → succeeded: the retry is a new refund at Stripe under a new key; late events of the failed one change nothing', async () => {
    const { buyer, orderId, intentId, confirm } = await refundAsked();
    app.stripe.holdRefunds();
    expect((await confirm()).status).toBe(200);
    const first = (await refundRow(orderId)).provider_refund_id!;
    app.stripe.settleRefund(first, 'failed');
    // No webhook this time: the reconciler reads the pending refund back and finds it failed.
    expect(await reconcileLater()).toMatchObject({ refundsFailed: 1 });
    expect((await refundRow(orderId)).status).toBe('failed');

    app.stripe.holdRefunds(false);
    const retried = await confirm();
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.order.status).toBe('Refund Success');
    const row = await refundRow(orderId);
    expect(row).toMatchObject({ status: 'succeeded', attempt: 1 });
    const atStripe = app.stripe.refundsFor(intentId);
    expect(atStripe.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
    expect(row.provider_refund_id).toBe(atStripe.find((r) => r.status === 'succeeded')!.id);
    const keys = app.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && (r.body.metadata as Record<string, string>).orderId === orderId).map((r) => r.idempotencyKey);
    expect(keys).toEqual([`refund-${orderId}`, `refund-${orderId}-1`]);

    for (const e of app.stripe.eventsAbout(first)) expect((await app.stripe.deliverWebhook(hook, e)).status).toBe(200);
    expect(await refundRow(orderId)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(await orderStatus(orderId)).toBe('Refund Success');
    expect(await refundJournals(orderId)).toHaveLength(1);
    expect(app.stripe.amountRefunded(intentId)).toBe(4000);
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Refund for order ${orderId}`);
    await expectBooksClean(app);
  });

  it('duplicate and out-of-order events (newest first, each twice) end in one completed refund', async () => {
    const { buyer, orderId, confirm } = await refundAsked();
    app.stripe.holdRefunds();
    expect((await confirm()).status).toBe(200);
    const id = (await refundRow(orderId)).provider_refund_id!;
    app.stripe.settleRefund(id, 'succeeded');
    const events = app.stripe.eventsAbout(id).reverse();
    expect(events.map((e) => e.type)).toEqual(['charge.refund.updated', 'refund.updated', 'refund.created']);
    for (const e of [...events, ...events]) expect((await app.stripe.deliverWebhook(hook, e)).status).toBe(200);
    expect(await orderStatus(orderId)).toBe('Refund Success');
    expect(await refundJournals(orderId)).toHaveLength(1);
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Refund for order ${orderId}`);
    expect(mailsTo(buyer.email, /^Refund for order/).filter((m) => m.subject.includes(orderId))).toHaveLength(1);
    await expectBooksClean(app);
  });

  it('a webhook forged with status "succeeded" for a refund Stripe still holds as pending completes nothing', async () => {
    const { orderId, confirm } = await refundAsked();
    app.stripe.holdRefunds();
    expect((await confirm()).status).toBe(200);
    const refund = app.stripe.refunds.get((await refundRow(orderId)).provider_refund_id!)!;
    const forged = app.stripe.webhookEvent('refund.updated', { ...refund, status: 'succeeded' });
    expect((await app.stripe.deliverWebhook(hook, forged)).status).toBe(200);
    expect(await orderStatus(orderId)).toBe('Processing refund');
    expect((await refundRow(orderId)).status).toBe('pending');
  });
});

describe('the webhook and the API call racing', () => {
  it('webhook after an API call that did not answer: Stripe refunded, our call saw a 500 that Stripe replays on retry, the event completes it', async () => {
    const { orderId, intentId, confirm } = await refundAsked();
    app.stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit', replay: true });
    expect((await confirm()).status).toBe(502);
    expect((await refundRow(orderId)).status).toBe('unknown');
    // The same key gets the same stored 500 back, as at Stripe: the retry learns nothing new.
    expect((await confirm()).status).toBe(502);
    expect(app.stripe.refundsFor(intentId)).toHaveLength(1);
    const replays = app.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.idempotencyKey === `refund-${orderId}`);
    expect(replays.map((r) => r.status)).toEqual([500, 500]);

    const [created] = app.stripe.eventsAbout(app.stripe.refundsFor(intentId)[0]!.id);
    expect((await app.stripe.deliverWebhook(hook, created!)).status).toBe(200);
    expect(await orderStatus(orderId)).toBe('Refund Success');
    expect(await refundRow(orderId)).toMatchObject({ status: 'succeeded' });
    expect(await refundJournals(orderId)).toHaveLength(1);
    await expectBooksClean(app);
  });

  it('webhook delivered while the API call is in flight: either order of arrival ends in one completed refund', async () => {
    const { orderId, intentId, confirm } = await refundAsked();
    app.stripe.sendWebhooksTo(hook);
    app.stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'latency', ms: 200 });
    const res = await confirm();
    await app.stripe.flushWebhooks();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.order.status).toBe('Refund Success');
    expect(await refundJournals(orderId)).toHaveLength(1);
    expect(app.stripe.refundsFor(intentId)).toHaveLength(1);
    await expectBooksClean(app);
  });
});
