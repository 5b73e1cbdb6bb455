import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { reconcileReport, retryCheckoutRefund } from '../../src/core/flows/index.ts';
import { ADDRESS, addToCart } from '../helpers/commerce.ts';
import { signUpUser } from '../helpers/factories.ts';
import { sellerWithBank, startCardApp, type CardApp } from '../helpers/money.ts';

const OPS = 'ops@mvshop.test';
let app: CardApp;
beforeAll(async () => {
  app = await startCardApp({ env: { OPS_EMAIL: OPS } });
});
afterAll(async () => {
  await app?.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const operator = () => app.core.ctx({ kind: 'operator', name: 'carol' });

/** A paid checkout whose stock went while the buyer paid: refunded whole, and the bank fails that refund. */
async function failedCheckoutRefund() {
  const seller = await sellerWithBank(app, 20);
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, seller.productId, 1);
  const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
  expect(pay.status, JSON.stringify(pay.body)).toBe(201);
  const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
  app.stripe.succeed(intentId);
  await rows(sql`UPDATE product_stock SET stock = 0 WHERE product_id = ${seller.productId}`);
  app.stripe.holdRefunds(true);
  const res = await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
  expect(res.status).toBe(409);
  app.stripe.holdRefunds(false);
  const [checkout] = await rows<{ id: string }>(sql`SELECT id FROM checkouts WHERE payment_intent_id = ${intentId}`);
  const [first] = app.stripe.refundsFor(intentId);
  app.stripe.sendWebhooksTo(`${app.url}/api/v1/payment/webhook`);
  app.stripe.settleRefund(first!.id, 'failed');
  await app.stripe.flushWebhooks();
  app.stripe.sendWebhooksTo(null);
  const [refund] = await rows<{ status: string; attempt: number }>(sql`SELECT status, attempt FROM refunds WHERE checkout_id = ${checkout!.id}`);
  expect(refund).toEqual({ status: 'failed', attempt: 0 });
  await app.mail.waitFor(OPS, (m) => m.text.includes(checkout!.id));
  return { checkoutId: checkout!.id, intentId };
}

describe('retryCheckoutRefund', () => {
  it('sends a failed whole-checkout refund again as a new attempt (a new refund at Stripe), audited; the buyer is paid once and the report is clean', async () => {
    const since = new Date(Date.now() - 60_000);
    const { checkoutId, intentId } = await failedCheckoutRefund();
    expect(app.stripe.amountRefunded(intentId)).toBe(0);

    const retried = await retryCheckoutRefund(operator(), checkoutId, { reason: 'bank asked us to retry' });
    expect(retried).toMatchObject({ checkoutId, attempt: 1, amountMinor: 2_000, status: 'succeeded' });
    expect(app.stripe.amountRefunded(intentId)).toBe(2_000);
    const atStripe = app.stripe.refundsFor(intentId);
    expect(atStripe.map((r) => [r.status, r.metadata.attempt])).toEqual([
      ['failed', '0'],
      ['succeeded', '1'],
    ]);
    const [refund] = await rows<{ status: string; provider_refund_id: string }>(sql`SELECT status, provider_refund_id FROM refunds WHERE checkout_id = ${checkoutId}`);
    expect(refund).toEqual({ status: 'succeeded', provider_refund_id: atStripe[1]!.id });
    expect((await rows<{ status: string }>(sql`SELECT status FROM payments WHERE checkout_id = ${checkoutId}`))[0]!.status).toBe('refunded');
    expect(await rows(sql`SELECT actor, target, reason FROM audit_log WHERE action = 'checkout.refund-retry'`)).toEqual([
      { actor: 'operator:carol', target: checkoutId, reason: 'bank asked us to retry' },
    ]);

    await expect(retryCheckoutRefund(operator(), checkoutId, { reason: 'again' })).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/already succeeded/) });
    expect(app.stripe.refundsFor(intentId)).toHaveLength(2);
    const report = await reconcileReport(app.core.ctx({ kind: 'system', name: 'test' }), { since });
    expect(report.findings).toEqual([]);
  });

  it('refuses without a reason, for a buyer, for an unknown checkout, and for a refund still pending at Stripe, changing nothing', async () => {
    const { checkoutId, intentId } = await failedCheckoutRefund();
    await expect(retryCheckoutRefund(operator(), checkoutId, {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const buyer = await signUpUser(app);
    await expect(retryCheckoutRefund(app.core.ctx({ kind: 'user', id: buyer.user._id, role: 'User' }), checkoutId, { reason: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(retryCheckoutRefund(operator(), 'chk_01jzzzzzzzzzzzzzzzzzzzzzzz', { reason: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(retryCheckoutRefund(operator(), 'ord_01jzzzzzzzzzzzzzzzzzzzzzzz', { reason: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(app.stripe.refundsFor(intentId)).toHaveLength(1);

    app.stripe.holdRefunds(true);
    expect((await retryCheckoutRefund(operator(), checkoutId, { reason: 'retry' })).status).toBe('pending');
    app.stripe.holdRefunds(false);
    await expect(retryCheckoutRefund(operator(), checkoutId, { reason: 'impatient' })).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/pending/) });
    expect(app.stripe.refundsFor(intentId)).toHaveLength(2);
  });
});
