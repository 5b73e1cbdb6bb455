import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { applyLedgerFixes, planLedgerFixes, reconcileReport, type FixPlan } from '../../src/core/flows/index.ts';
import { signUpUser } from '../helpers/factories.ts';
import { deliver } from '../helpers/commerce.ts';
import { cardOrder, expectBooksClean, sellerWithBank, settleAll, shortenPosting, startCardApp, unpostJournal, type CardApp } from '../helpers/money.ts';

let app: CardApp;
beforeAll(async () => {
  app = await startCardApp();
});
afterAll(async () => {
  await app?.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const exec = (query: ReturnType<typeof sql>) => app.core.database.db.execute(query);
const system = () => app.core.ctx({ kind: 'system', name: 'test' });
const operator = () => app.core.ctx({ kind: 'operator', name: 'alice' });
const intentOf = async (orderId: string) =>
  (await rows<{ pi: string }>(sql`SELECT c.payment_intent_id AS pi FROM checkouts c JOIN orders o ON o.checkout_id = c.id WHERE o.id = ${orderId}`))[0]!.pi;
const feeOf = async (orderId: string) => (await rows<{ fee: number }>(sql`SELECT platform_fee_minor::float8 AS fee FROM orders WHERE id = ${orderId}`))[0]!.fee;
const balance = async (account: string) =>
  (await rows<{ b: number }>(sql`SELECT coalesce(sum(amount_minor), 0)::float8 AS b FROM ledger_entries WHERE account = ${account}`))[0]!.b;
const fixAudits = () => rows<{ actor: string; reason: string; details: { journals: { kind: string; ref: string; finding: string }[] } }>(
  sql`SELECT actor, reason, details FROM audit_log WHERE action = 'reconcile.fix' ORDER BY seq`,
);

describe('planLedgerFixes / applyLedgerFixes', () => {
  const since = new Date(Date.now() - 60_000);
  let seller: Awaited<ReturnType<typeof sellerWithBank>>;
  let orders: { deleted: string; edited: string; refunded: string };
  let stray: string;
  let plan: FixPlan;

  it('plans one journal per ledger-side finding (a deleted payment journal, an edited amount, a deleted refund journal) and sends the rest to an operator', async () => {
    seller = await sellerWithBank(app, 40);
    const buyer = await signUpUser(app);
    const [deleted] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [edited] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId, qty: 2 }]);
    const [refunded] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    expect((await buyer.client.put(`/order/order-refund/${refunded!._id}`, { reason: 'broken' })).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${refunded!._id}`)).status).toBe(200);
    orders = { deleted: deleted!._id, edited: edited!._id, refunded: refunded!._id };
    expect((await reconcileReport(system(), { since })).findings).toEqual([]);
    const pendingBefore = await balance(`shop:${seller.id}:pending`);

    await unpostJournal(app, 'order-paid', orders.deleted);
    await shortenPosting(app, 'order-paid', orders.edited, 100);
    await unpostJournal(app, 'order-refund', orders.refunded);
    const pi = await app.stripe.client().paymentIntents.create({ amount: 777, currency: 'usd' });
    app.stripe.succeed(pi.id);
    stray = pi.id;
    // The injected states are balanced: only the comparison with Stripe and the orders shows them.
    await expectBooksClean(app);

    const report = await reconcileReport(system(), { since });
    plan = await planLedgerFixes(system(), report);
    const fee = await feeOf(orders.deleted);
    const refundFee = await feeOf(orders.refunded);
    const pending = `shop:${seller.id}:pending`;
    const byStripe = new Map(plan.items.map((i) => [i.finding.stripeId, i]));
    expect(plan.items).toHaveLength(4);
    expect(byStripe.get(await intentOf(orders.deleted))).toMatchObject({
      finding: { kind: 'missing-in-ledger', orderIds: [orders.deleted] },
      operator: null,
      journals: [
        {
          kind: 'order-paid',
          ref: orders.deleted,
          orderId: orders.deleted,
          entries: [
            { account: 'platform:clearing', amountMinor: -4_000 },
            { account: pending, amountMinor: 4_000 },
            { account: pending, amountMinor: -fee },
            { account: 'platform:fees', amountMinor: fee },
          ],
        },
      ],
    });
    expect(byStripe.get(await intentOf(orders.edited))).toMatchObject({
      finding: { kind: 'amount-differs', amountMinor: 100 },
      journals: [
        {
          kind: 'order-paid-correction',
          ref: `${orders.edited}#1`,
          entries: [
            { account: 'platform:clearing', amountMinor: -100 },
            { account: pending, amountMinor: 100 },
          ],
        },
      ],
    });
    const refundItem = plan.items.find((i) => i.finding.refundId)!;
    expect(refundItem).toMatchObject({
      finding: { kind: 'missing-in-ledger', orderIds: [orders.refunded] },
      journals: [
        {
          kind: 'order-refund',
          ref: orders.refunded,
          entries: [
            { account: pending, amountMinor: -4_000 },
            { account: pending, amountMinor: refundFee },
            { account: 'platform:fees', amountMinor: -refundFee },
            { account: 'platform:clearing', amountMinor: 4_000 },
          ],
        },
      ],
    });
    expect(byStripe.get(stray)).toMatchObject({ finding: { kind: 'orphan-at-stripe' }, journals: [] });
    expect(byStripe.get(stray)!.operator).toMatch(/Stripe dashboard/);
    // Planning is read-only.
    expect(await balance(pending)).toBe(pendingBefore - (4_000 - fee) - 100 + (4_000 - refundFee));
  });

  it('refuses to apply without a reason, or for anyone but an admin or operator, and posts nothing', async () => {
    await expect(applyLedgerFixes(operator(), plan, {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(applyLedgerFixes(operator(), plan, { reason: '  ' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const buyer = await signUpUser(app);
    await expect(applyLedgerFixes(app.core.ctx({ kind: 'user', id: buyer.user._id, role: 'User' }), plan, { reason: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await fixAudits()).toEqual([]);
    expect((await reconcileReport(system(), { since })).findings).toHaveLength(4);
  });

  it('applying posts exactly the plan, audited: the next report has only the operator finding, and the books verify', async () => {
    const pendingBefore = await balance(`shop:${seller.id}:pending`);
    const clearingBefore = await balance('platform:clearing');
    const applied = await applyLedgerFixes(operator(), plan, { reason: 'journals lost in the 2026-12 incident' });
    expect(applied.posted.map((p) => p.kind).sort()).toEqual(['order-paid', 'order-paid-correction', 'order-refund']);
    expect(applied.alreadyPosted).toBe(0);

    const after = await reconcileReport(system(), { since });
    expect(after.findings.map((f) => [f.kind, f.stripeId])).toEqual([['orphan-at-stripe', stray]]);
    await expectBooksClean(app);
    const fee = await feeOf(orders.deleted);
    const refundFee = await feeOf(orders.refunded);
    expect(await balance(`shop:${seller.id}:pending`)).toBe(pendingBefore + (4_000 - fee) + 100 - (4_000 - refundFee));
    expect(await balance('platform:clearing')).toBe(clearingBefore - 4_000 - 100 + 4_000);

    const audits = await fixAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: expect.stringContaining('alice'), reason: 'journals lost in the 2026-12 incident' });
    expect(audits[0]!.details.journals.map((j) => `${j.finding} ${j.kind} ${j.ref}`).sort()).toEqual(
      [`amount-differs order-paid-correction ${orders.edited}#1`, `missing-in-ledger order-paid ${orders.deleted}`, `missing-in-ledger order-refund ${orders.refunded}`].sort(),
    );
  });

  it('applying the same plan twice corrects once, and a fresh plan has nothing left to post', async () => {
    const journalsBefore = (await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM ledger_journals`))[0]!.n;
    const again = await applyLedgerFixes(operator(), plan, { reason: 'again' });
    expect(again).toEqual({ posted: [], alreadyPosted: 3 });
    const fresh = await planLedgerFixes(system(), await reconcileReport(system(), { since }));
    expect(fresh.items.flatMap((i) => i.journals)).toEqual([]);
    expect(await applyLedgerFixes(operator(), fresh, { reason: 'and again' })).toEqual({ posted: [], alreadyPosted: 0 });
    expect((await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM ledger_journals`))[0]!.n).toBe(journalsBefore);
    expect(await fixAudits()).toHaveLength(1);
    await expectBooksClean(app);
  });

  it('a second drift on a corrected order gets the next correction; a plan made stale by a ledger change is refused whole', async () => {
    await shortenPosting(app, 'order-paid', orders.edited, 50);
    const plan2 = await planLedgerFixes(system(), await reconcileReport(system(), { since }));
    expect(plan2.items.flatMap((i) => i.journals).map((j) => j.ref)).toEqual([`${orders.edited}#2`]);

    await shortenPosting(app, 'order-paid', orders.edited, 25);
    await expect(applyLedgerFixes(operator(), plan2, { reason: 'stale' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await rows(sql`SELECT 1 FROM ledger_journals WHERE ref = ${`${orders.edited}#2`}`)).length).toBe(0);

    const plan3 = await planLedgerFixes(system(), await reconcileReport(system(), { since }));
    expect(plan3.items.flatMap((i) => i.journals.flatMap((j) => j.entries))).toEqual([
      { account: 'platform:clearing', amountMinor: -75 },
      { account: `shop:${seller.id}:pending`, amountMinor: 75 },
    ]);
    await applyLedgerFixes(operator(), plan3, { reason: 'second drift' });
    expect((await reconcileReport(system(), { since })).findings.map((f) => f.kind)).toEqual(['orphan-at-stripe']);
    await expectBooksClean(app);
  });

  it('two operators applying the same plan at once post it once, with one audit row', async () => {
    await unpostJournal(app, 'order-paid', orders.deleted);
    const plan4 = await planLedgerFixes(system(), await reconcileReport(system(), { since }));
    expect(plan4.items.flatMap((i) => i.journals).map((j) => `${j.kind} ${j.ref}`)).toEqual([`order-paid ${orders.deleted}`]);
    const audits = (await fixAudits()).length;
    const both = await Promise.all([
      applyLedgerFixes(operator(), plan4, { reason: 'first' }),
      applyLedgerFixes(app.core.ctx({ kind: 'operator', name: 'bob' }), plan4, { reason: 'second' }),
    ]);
    expect(both.map((r) => r.posted.length).sort()).toEqual([0, 1]);
    expect(both.map((r) => r.alreadyPosted).sort()).toEqual([0, 1]);
    expect(await fixAudits()).toHaveLength(audits + 1);
    expect((await rows(sql`SELECT 1 FROM ledger_journals WHERE kind = 'order-paid' AND ref = ${orders.deleted}`)).length).toBe(1);
    await expectBooksClean(app);
  });

  it('a refund journal of the wrong amount, before or after settlement, gets an order-refund-correction; applied, the next report is clean and the books verify', async () => {
    const buyer = await signUpUser(app);
    const [early] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const [late] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId, qty: 2 }]);
    await deliver(seller.client, late!._id);
    expect(await settleAll(app, new Date(Date.now() + 30 * 86_400_000))).toBe(1);
    for (const order of [early!, late!]) {
      expect((await buyer.client.put(`/order/order-refund/${order._id}`, { reason: 'broken' })).status).toBe(200);
      expect((await seller.client.put(`/order/order-refund-success/${order._id}`)).status).toBe(200);
    }
    expect((await reconcileReport(system(), { since })).findings.map((f) => [f.kind, f.stripeId])).toEqual([['orphan-at-stripe', stray]]);

    await shortenPosting(app, 'order-refund', early!._id, 300);
    await shortenPosting(app, 'order-refund', late!._id, 1_000);
    await expectBooksClean(app);
    const pending = `shop:${seller.id}:pending`;
    const available = `shop:${seller.id}:available`;
    const before = { pending: await balance(pending), available: await balance(available), clearing: await balance('platform:clearing') };

    const plan5 = await planLedgerFixes(system(), await reconcileReport(system(), { since }));
    const refundIds = await rows<{ id: string; order_id: string }>(sql`SELECT id, order_id FROM refunds WHERE order_id IN (${early!._id}, ${late!._id})`);
    const refundOf = (orderId: string) => refundIds.find((r) => r.order_id === orderId)!.id;
    const items = plan5.items.filter((i) => i.finding.refundId);
    expect(items.map((i) => i.finding.refundId).sort()).toEqual([refundOf(early!._id), refundOf(late!._id)].sort());
    expect(items.find((i) => i.finding.refundId === refundOf(early!._id))).toMatchObject({
      finding: { kind: 'amount-differs', ledgerSide: true, amountMinor: 300, orderIds: [early!._id] },
      operator: null,
      journals: [{ kind: 'order-refund-correction', ref: `${early!._id}#1`, entries: [{ account: 'platform:clearing', amountMinor: 300 }, { account: pending, amountMinor: -300 }] }],
    });
    // Settled before the refund: the refund came out of available, so its correction does too.
    expect(items.find((i) => i.finding.refundId === refundOf(late!._id))).toMatchObject({
      finding: { kind: 'amount-differs', ledgerSide: true, amountMinor: 1_000, orderIds: [late!._id] },
      operator: null,
      journals: [{ kind: 'order-refund-correction', ref: `${late!._id}#1`, entries: [{ account: 'platform:clearing', amountMinor: 1_000 }, { account: available, amountMinor: -1_000 }] }],
    });

    const applied = await applyLedgerFixes(operator(), plan5, { reason: 'refund journals of the wrong amount' });
    expect(applied.posted.map((p) => `${p.kind} ${p.ref}`).sort()).toEqual([`order-refund-correction ${early!._id}#1`, `order-refund-correction ${late!._id}#1`].sort());
    expect((await reconcileReport(system(), { since })).findings.map((f) => [f.kind, f.stripeId])).toEqual([['orphan-at-stripe', stray]]);
    await expectBooksClean(app);
    expect(await balance(pending)).toBe(before.pending - 300);
    expect(await balance(available)).toBe(before.available - 1_000);
    expect(await balance('platform:clearing')).toBe(before.clearing + 1_300);
    expect((await fixAudits()).at(-1)!.details.journals.map((j) => j.finding)).toEqual(['amount-differs', 'amount-differs']);
  });
});
