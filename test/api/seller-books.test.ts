import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, testClock } from '../helpers/clock.ts';
import { signUpAdmin, signUpUser } from '../helpers/factories.ts';
import type { FakeStripe } from '../helpers/fake-stripe.ts';
import { type CardApp, cardOrder, deliveredOrder, expectBooksClean, sellerWithBank, settleAll, startCardApp } from '../helpers/money.ts';
import { deliver } from '../helpers/commerce.ts';

const clock = testClock(Date.UTC(2030, 3, 20, 10)); // 20 April 2030
let app: CardApp;
let stripe: FakeStripe;
beforeAll(async () => {
  app = await startCardApp({ clock });
  stripe = app.stripe;
});
afterAll(() => app?.close());

const columns = ['pending', 'available', 'onHold', 'paidOut', 'balance'] as const;
const lines = ['sales', 'commission', 'refunds', 'settlements', 'withdrawals'] as const;
const cents = (n: number) => Math.round(n * 100);

/** Opening plus every line equals closing, in every column. */
function expectReconciles(s: Record<string, Record<string, number>>) {
  for (const c of columns) {
    const sum = cents(s.opening![c]!) + lines.reduce((a, l) => a + cents(s[l]![c]!), 0);
    expect(sum, `${c} column`).toBe(cents(s.closing![c]!));
  }
}

describe("the seller's books over two months", () => {
  let seller: Awaited<ReturnType<typeof sellerWithBank>>;

  beforeAll(async () => {
    seller = await sellerWithBank(app, 100);
    const buyer = await signUpUser(app);
    const admin = await signUpAdmin(app);
    // April: two sales, delivered.
    await deliveredOrder(buyer.client, stripe, seller);
    const [second] = await cardOrder(buyer.client, stripe, [{ productId: seller.productId, qty: 1 }]);
    await deliver(seller.client, second!._id);
    // May: both settle; a withdrawal paid, one rejected; the second order refunded after settlement; a new sale.
    clock.set(Date.UTC(2030, 4, 2, 10));
    await settleAll(app);
    const paid = await seller.client.post('/withdraw/create-withdraw-request', { amount: 60 });
    expect((await admin.client.put(`/withdraw/update-withdraw-request/${paid.body.withdraw._id}`)).status).toBe(200);
    clock.advance(DAY);
    const refused = await seller.client.post('/withdraw/create-withdraw-request', { amount: 50 });
    expect((await admin.client.put(`/withdraw/reject-withdraw-request/${refused.body.withdraw._id}`, { reason: 'check the IBAN' })).status).toBe(200);
    expect((await buyer.client.put(`/order/order-refund/${second!._id}`, {})).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${second!._id}`)).status).toBe(200);
    clock.advance(DAY);
    await cardOrder(buyer.client, stripe, [{ productId: seller.productId, qty: 2 }]);
    clock.set(Date.UTC(2030, 5, 15));
  });

  it('GET /shop/balance shows pending, available, on hold, paid out and debt', async () => {
    const res = await seller.client.get('/shop/balance');
    expect(res.body.balance).toEqual({ pending: 180, available: 30, onHold: 0, paidOut: 60, debt: 0, currency: 'usd' });
    await expectBooksClean(app);
  });

  it('GET /shop/transactions lists every entry newest first with its kind, amount, resulting balance and reference', async () => {
    const res = await seller.client.get('/shop/transactions?limit=100');
    expect(res.status).toBe(200);
    const t = res.body.transactions as { kind: string; account: string; amount: number; balance: number; reference: string; createdAt: string }[];
    expect(res.body).toMatchObject({ total: t.length, page: 1, pages: 1 });
    const kinds = new Set(t.map((x) => x.kind));
    expect([...kinds].sort()).toEqual(['commission', 'refund', 'sale', 'settlement', 'withdrawal-held', 'withdrawal-paid', 'withdrawal-released']);
    for (const x of t) expect(x.reference).toMatch(x.kind.startsWith('withdrawal') ? /^wd_/ : /^ord_/);
    const times = t.map((x) => x.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    // Read oldest first, each entry's balance is the account's previous balance plus its amount.
    const last = new Map<string, number>();
    for (const x of [...t].reverse()) {
      expect(cents(x.balance)).toBe((last.get(x.account) ?? 0) + cents(x.amount));
      last.set(x.account, cents(x.balance));
    }
    expect(Object.fromEntries(last)).toEqual({ pending: 18000, available: 3000, held: 0, paid_out: 6000 });
    const sale = t.find((x) => x.kind === 'sale' && x.amount === 200);
    expect(sale).toMatchObject({ account: 'pending' });
    const page2 = await seller.client.get('/shop/transactions?limit=3&page=2');
    expect(page2.body.transactions).toEqual(t.slice(3, 6));
    expect(page2.body.pages).toBe(Math.ceil(t.length / 3));
  });

  it('GET /shop/statement: April and May reconcile column by column, May opens where April closed, and the last closing is today’s balance', async () => {
    const april = (await seller.client.get('/shop/statement?month=2030-04')).body.statement;
    expect(april).toMatchObject({
      month: '2030-04',
      from: '2030-04-01T00:00:00.000Z',
      to: '2030-05-01T00:00:00.000Z',
      currency: 'usd',
      opening: { pending: 0, available: 0, onHold: 0, paidOut: 0, balance: 0, debt: 0 },
      sales: { pending: 200, balance: 200 },
      commission: { pending: -20, balance: -20 },
      closing: { pending: 180, available: 0, balance: 180 },
    });
    expectReconciles(april);
    const may = (await seller.client.get('/shop/statement?month=2030-05')).body.statement;
    expect(may.opening).toEqual(april.closing);
    expect(may).toMatchObject({
      sales: { pending: 200, balance: 200 },
      commission: { pending: -20, available: 10, balance: -10 },
      refunds: { available: -100, balance: -100 },
      settlements: { pending: -180, available: 180, balance: 0 },
      withdrawals: { available: -60, onHold: 0, paidOut: 60, balance: -60 },
    });
    expectReconciles(may);
    const balance = (await seller.client.get('/shop/balance')).body.balance;
    expect(may.closing).toEqual({ pending: balance.pending, available: balance.available, onHold: balance.onHold, paidOut: balance.paidOut, debt: 0, balance: 210 });
    const june = (await seller.client.get('/shop/statement?month=2030-06')).body.statement;
    expect(june.opening).toEqual(may.closing);
    expect(june.closing).toEqual(may.closing);
  });

  it('with Accept: text/csv, the statement is CSV: one row per line, one column per account', async () => {
    const res = await seller.client.get('/shop/statement?month=2030-05', { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('statement-2030-05.csv');
    expect((res.body as string).trim().split('\n')).toEqual([
      'month,currency,line,pending,available,on_hold,paid_out,balance',
      '2030-05,usd,opening,180.00,0.00,0.00,0.00,180.00',
      '2030-05,usd,sales,200.00,0.00,0.00,0.00,200.00',
      '2030-05,usd,commission,-20.00,10.00,0.00,0.00,-10.00',
      '2030-05,usd,refunds,0.00,-100.00,0.00,0.00,-100.00',
      '2030-05,usd,settlements,-180.00,180.00,0.00,0.00,0.00',
      '2030-05,usd,withdrawals,0.00,-60.00,0.00,60.00,-60.00',
      '2030-05,usd,closing,180.00,30.00,0.00,60.00,210.00',
    ]);
  });

  it('a malformed month is 400 naming it; another shop’s books are its own', async () => {
    for (const month of ['2030-13', '30-05', '', 'may']) {
      const res = await seller.client.get(`/shop/statement?month=${month}`);
      expect(res.status, month).toBe(400);
      expect(res.body.fields).toHaveProperty('month');
    }
    expect((await seller.client.get('/shop/statement')).status).toBe(400);
    const other = await sellerWithBank(app, 10);
    expect((await other.client.get('/shop/statement?month=2030-05')).body.statement.closing.balance).toBe(0);
    expect((await other.client.get('/shop/transactions')).body).toMatchObject({ transactions: [], total: 0 });
    expect((await app.client().get('/shop/statement?month=2030-05')).status).toBe(401);
  });
});
