import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { planLedgerFixes, reconcileReport } from '../../src/core/flows/index.ts';
import { ADDRESS, placeCodOrder, addToCart, deliver } from '../helpers/commerce.ts';
import { signUpUser } from '../helpers/factories.ts';
import { cardOrder, sellerWithBank, settleAll, shortenPosting, startCardApp, type CardApp } from '../helpers/money.ts';

const OPS = 'ops@mvshop.test';
let app: CardApp;
beforeAll(async () => {
  app = await startCardApp({ env: { OPS_EMAIL: OPS } });
});
afterAll(async () => {
  await app?.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const exec = (query: ReturnType<typeof sql>) => app.core.database.db.execute(query);
const ctx = () => app.core.ctx({ kind: 'system', name: 'test' });
const intentOf = async (orderId: string) =>
  (await rows<{ pi: string }>(sql`SELECT c.payment_intent_id AS pi FROM checkouts c JOIN orders o ON o.checkout_id = c.id WHERE o.id = ${orderId}`))[0]!.pi;

describe('three-way reconciliation', () => {
  const since = new Date(Date.now() - 60_000);
  let orders: { card: string; refunded: string; settled: string };

  it('a clean day — card and cash orders, a refund, a settlement — has no findings and says what it matched', async () => {
    const seller = await sellerWithBank(app, 40);
    const buyer = await signUpUser(app);
    const [card] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [refunded] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId, qty: 2 }]);
    const [settled] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    await deliver(seller.client, settled!._id);
    await settleAll(app, new Date(Date.now() + 30 * 86_400_000));
    await addToCart(buyer.client, seller.productId, 1);
    expect((await placeCodOrder(buyer.client)).status).toBe(201);
    expect((await buyer.client.put(`/order/order-refund/${refunded!._id}`, { reason: 'broken' })).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${refunded!._id}`)).status).toBe(200);
    orders = { card: card!._id, refunded: refunded!._id, settled: settled!._id };

    const report = await reconcileReport(ctx(), { since }, { notify: true });
    expect(report.findings).toEqual([]);
    expect(report.matched).toEqual({ payments: 3, paymentsMinor: 16_000, refunds: 1, refundsMinor: 8_000 });
    // Three charges less the fake's fees (2.9 % + 30 each), and one refund.
    expect(report.balance).toEqual({ transactions: 4, feesMinor: 146 + 262 + 146, netMinor: 16_000 - 554 - 8_000 });
  });

  it('each injected difference is one finding of its kind, with the ids on each side; findings are emailed', async () => {
    const stripe = app.stripe.client();
    // A refund made directly at Stripe.
    const cardPi = await intentOf(orders.card);
    const direct = await stripe.refunds.create({ payment_intent: cardPi, amount: 500 });
    // A ledger journal deleted.
    const settledPi = await intentOf(orders.settled);
    await exec(sql`DELETE FROM ledger_entries WHERE journal_id IN (SELECT id FROM ledger_journals WHERE kind = 'order-paid' AND ref = ${orders.settled})`);
    await exec(sql`DELETE FROM ledger_journals WHERE kind = 'order-paid' AND ref = ${orders.settled}`);
    // An amount edited.
    await exec(sql`UPDATE orders SET subtotal_minor = subtotal_minor + 100, total_minor = total_minor + 100 WHERE id = ${orders.card}`);
    // A refund whose status we recorded wrongly.
    await exec(sql`UPDATE refunds SET status = 'pending' WHERE order_id = ${orders.refunded}`);
    // An intent that succeeded with no checkout.
    const stray = await stripe.paymentIntents.create({ amount: 1_234, currency: 'usd' });
    app.stripe.succeed(stray.id);

    const report = await reconcileReport(ctx(), { since }, { notify: true });
    const kinds = report.findings.map((f) => [f.kind, f.stripeId]).sort();
    expect(kinds).toEqual(
      [
        ['amount-differs', cardPi],
        ['missing-in-ledger', settledPi],
        ['orphan-at-stripe', direct.id],
        ['orphan-at-stripe', stray.id],
        ['status-differs', (await rows<{ pid: string }>(sql`SELECT provider_refund_id AS pid FROM refunds WHERE order_id = ${orders.refunded}`))[0]!.pid],
      ].sort(),
    );
    expect(report.findings.find((f) => f.kind === 'missing-in-ledger')!.orderIds).toEqual([orders.settled]);
    expect(report.findings.find((f) => f.kind === 'amount-differs')).toMatchObject({ amountMinor: 100, orderIds: [orders.card] });
    expect(report.byKind['orphan-at-stripe']).toEqual({ count: 2, amountMinor: 1_734 });
    const mail = await app.mail.waitFor(OPS, (m) => m.subject === 'Reconciliation with Stripe found differences');
    expect(mail.text).toContain('orphan-at-stripe: 2 (17.34)');

    // A paid checkout Stripe no longer knows.
    app.stripe.paymentIntents.delete(settledPi);
    const again = await reconcileReport(ctx(), { since });
    expect(again.findings.filter((f) => f.kind === 'missing-at-stripe').map((f) => f.stripeId)).toEqual([settledPi]);
  });

  it("Stripe's balance is compared too: a charge of another amount, a payment or a paid refund missing from it, are each a balance-differs finding", async () => {
    const seller = await sellerWithBank(app, 30);
    const buyer = await signUpUser(app);
    const [edited] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [dropped] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [refunded] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    expect((await buyer.client.put(`/order/order-refund/${refunded!._id}`, { reason: 'broken' })).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${refunded!._id}`)).status).toBe(200);
    const balanceOf = (source: string) => [...app.stripe.balanceTransactions.values()].find((b) => b.source === source)!;
    const chargeOf = async (orderId: string) => app.stripe.paymentIntents.get(await intentOf(orderId))!.latest_charge!;
    // Stripe took another amount than the checkout's, so mvshop refunded it instead of making orders: what it recorded is what Stripe took.
    await addToCart(buyer.client, seller.productId, 1);
    const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
    const otherAmount = (pay.body.client_secret as string).split('_secret_')[0]!;
    app.stripe.paymentIntents.get(otherAmount)!.amount = 100;
    app.stripe.succeed(otherAmount);
    expect((await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: otherAmount } })).status).toBe(422);
    expect(await rows(sql`SELECT r.amount_minor::int AS amount FROM refunds r JOIN checkouts c ON c.id = r.checkout_id WHERE c.payment_intent_id = ${otherAmount}`)).toEqual([{ amount: 100 }]);
    const before = await reconcileReport(ctx(), { since });
    expect(before.findings.filter((f) => f.kind === 'balance-differs')).toEqual([]);

    const editedBt = balanceOf(await chargeOf(edited!._id));
    editedBt.amount -= 250;
    app.stripe.balanceTransactions.delete(balanceOf(await chargeOf(dropped!._id)).id);
    const [refund] = await rows<{ id: string; pid: string }>(sql`SELECT id, provider_refund_id AS pid FROM refunds WHERE order_id = ${refunded!._id}`);
    app.stripe.balanceTransactions.delete(balanceOf(refund!.pid).id);

    const report = await reconcileReport(ctx(), { since });
    const found = report.findings.filter((f) => f.kind === 'balance-differs');
    expect(found.map((f) => [f.stripeId, f.amountMinor]).sort()).toEqual(
      [
        [editedBt.id, 250],
        [await intentOf(dropped!._id), 3_000],
        [refund!.pid, 3_000],
      ].sort(),
    );
    expect(found.find((f) => f.refundId)).toMatchObject({ refundId: refund!.id, orderIds: [refunded!._id] });
    expect(report.byKind['balance-differs'].count).toBe(3);
    // Only an operator at Stripe can settle these: the fix plan posts no journal for them.
    const plan = await planLedgerFixes(ctx(), report);
    for (const item of plan.items.filter((i) => i.finding.kind === 'balance-differs')) {
      expect(item.journals).toEqual([]);
      expect(item.operator).toMatch(/balance transactions/);
    }
  });

  it("a refund the bank failed is clean once Stripe's balance gave its money back, and a balance-differs finding when it did not", async () => {
    const seller = await sellerWithBank(app, 12);
    const buyer = await signUpUser(app);
    const [order] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    expect((await buyer.client.put(`/order/order-refund/${order!._id}`, { reason: 'broken' })).status).toBe(200);
    app.stripe.holdRefunds(true);
    expect((await seller.client.put(`/order/order-refund-success/${order!._id}`)).status).toBe(200);
    app.stripe.holdRefunds(false);
    const [refund] = app.stripe.refundsFor(await intentOf(order!._id));
    app.stripe.sendWebhooksTo(`${app.url}/api/v1/payment/webhook`);
    app.stripe.settleRefund(refund!.id, 'failed');
    await app.stripe.flushWebhooks();
    app.stripe.sendWebhooksTo(null);
    expect((await rows<{ status: string }>(sql`SELECT status FROM refunds WHERE order_id = ${order!._id}`))[0]!.status).toBe('failed');
    const ofRefund = () => [...app.stripe.balanceTransactions.values()].filter((b) => b.source === refund!.id);
    expect(ofRefund().map((b) => [b.type, b.amount])).toEqual([
      ['refund', -1_200],
      ['refund_failure', 1_200],
    ]);
    const forRefund = async () => (await reconcileReport(ctx(), { since })).findings.filter((f) => f.kind === 'balance-differs' && f.stripeId === refund!.id);
    expect(await forRefund()).toEqual([]);

    app.stripe.balanceTransactions.delete(ofRefund().find((b) => b.type === 'refund_failure')!.id);
    expect(await forRefund()).toEqual([expect.objectContaining({ amountMinor: 1_200, orderIds: [order!._id], detail: expect.stringMatching(/never gave back/) })]);
  });

  it('a refund journal booked for another amount than the refund is amount-differs, on the ledger side only while the order agrees with Stripe', async () => {
    const seller = await sellerWithBank(app, 25);
    const buyer = await signUpUser(app);
    const [early] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [late] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId, qty: 3 }]);
    await deliver(seller.client, late!._id);
    await settleAll(app, new Date(Date.now() + 30 * 86_400_000));
    for (const order of [early!, late!]) {
      expect((await buyer.client.put(`/order/order-refund/${order._id}`, { reason: 'broken' })).status).toBe(200);
      expect((await seller.client.put(`/order/order-refund-success/${order._id}`)).status).toBe(200);
    }
    const refunds = await rows<{ id: string; pid: string; order_id: string }>(
      sql`SELECT id, provider_refund_id AS pid, order_id FROM refunds WHERE order_id IN (${early!._id}, ${late!._id}) AND status = 'succeeded'`,
    );
    expect(refunds).toHaveLength(2);
    const refundOf = (orderId: string) => refunds.find((r) => r.order_id === orderId)!;
    const intents = [await intentOf(early!._id), await intentOf(late!._id)];
    const ofThese = async () => {
      const report = await reconcileReport(ctx(), { since });
      return { report, findings: report.findings.filter((f) => refunds.some((r) => r.id === f.refundId) || intents.includes(f.stripeId!)) };
    };
    // Refunded before and after settlement, both clean: the refund journal moved what Stripe refunded.
    const clean = await ofThese();
    expect(clean.findings).toEqual([]);

    await shortenPosting(app, 'order-refund', early!._id, 300);
    await shortenPosting(app, 'order-refund', late!._id, 1_000);
    const { report, findings } = await ofThese();
    expect(findings.map((f) => [f.kind, f.stripeId, f.refundId, f.orderIds, f.amountMinor, f.ledgerSide]).sort()).toEqual(
      [
        ['amount-differs', refundOf(early!._id).pid, refundOf(early!._id).id, [early!._id], 300, true],
        ['amount-differs', refundOf(late!._id).pid, refundOf(late!._id).id, [late!._id], 1_000, true],
      ].sort(),
    );
    expect(findings.find((f) => f.orderIds[0] === early!._id)!.detail).toBe('the ledger booked 2200 for the refund, Stripe refunded 2500');
    expect(report.byKind['amount-differs'].amountMinor - clean.report.byKind['amount-differs'].amountMinor).toBe(1_300);
    expect(report.matched.refunds).toBe(clean.report.matched.refunds - 2);

    // The order no longer says what Stripe refunded either: no journal can tell which is right.
    await exec(sql`UPDATE orders SET subtotal_minor = subtotal_minor + 100, total_minor = total_minor + 100 WHERE id = ${early!._id}`);
    const edited = (await ofThese()).findings.find((f) => f.refundId === refundOf(early!._id).id)!;
    expect(edited).toMatchObject({ kind: 'amount-differs', ledgerSide: false, amountMinor: 300, detail: expect.stringContaining('the order totals 2600') });
    const [item] = (await planLedgerFixes(ctx(), { ...report, findings: [edited] })).items;
    expect(item).toMatchObject({ journals: [], operator: expect.stringMatching(/settle the difference at Stripe/) });
  });
});
