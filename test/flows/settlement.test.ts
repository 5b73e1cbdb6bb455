import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { settleDueOrders } from '../../src/core/flows/index.ts';
import { createCore, loadConfig, type Ctx } from '../../src/core/index.ts';
import { DAY, testClock } from '../helpers/clock.ts';
import { balances, deliver, placeCodOrder, addToCart } from '../helpers/commerce.ts';
import { signUpUser } from '../helpers/factories.ts';
import type { FakeStripe } from '../helpers/fake-stripe.ts';
import { type CardApp, cardOrder, deliveredOrder, expectBooksClean, sellerWithBank, settleAll, startCardApp } from '../helpers/money.ts';

const clock = testClock(Date.UTC(2030, 0, 10, 12));
let app: CardApp;
let stripe: FakeStripe;
beforeAll(async () => {
  app = await startCardApp({ clock });
  stripe = app.stripe;
});
afterAll(() => app?.close());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const system = () => app.core.ctx({ kind: 'system', name: 'test' });
const account = async (shopId: string, stage: string) => (await balances(app))[`shop:${shopId}:${stage}`] ?? 0;

describe('settleDueOrders', () => {
  it('settles a delivered card order exactly when the hold period has passed, moving its net from pending to available', async () => {
    const seller = await sellerWithBank(app, 100);
    const buyer = await signUpUser(app);
    const deliveredAt = clock.now();
    const order = await deliveredOrder(buyer.client, stripe, seller);
    expect(await account(seller.id, 'pending')).toBe(9000);

    const early = await settleDueOrders(system(), { now: new Date(deliveredAt.getTime() + 7 * DAY - 1), limit: 100 });
    expect(early.count).toBe(0);
    expect(await account(seller.id, 'available')).toBe(0);

    const due = await settleDueOrders(system(), { now: new Date(deliveredAt.getTime() + 7 * DAY), limit: 100 });
    expect(due.byShop).toEqual([{ shopId: seller.id, count: 1, amountMinor: 9000 }]);
    expect(await account(seller.id, 'pending')).toBe(0);
    expect(await account(seller.id, 'available')).toBe(9000);
    const journals = await rows(sql`SELECT id FROM ledger_journals WHERE kind = 'settlement' AND ref = ${order._id}`);
    expect(journals).toHaveLength(1);
    const balance = await seller.client.get('/shop/balance');
    expect(balance.body.balance).toEqual({ pending: 0, available: 90, onHold: 0, paidOut: 0, debt: 0, currency: 'usd' });
    expect(await rows(sql`SELECT order_id FROM settlements_due WHERE order_id = ${order._id}`)).toEqual([]);
    await expectBooksClean(app);
  });

  it('with SETTLEMENT_HOLD_DAYS=0, an order settles as soon as it is delivered', async () => {
    expect(loadConfig({ SETTLEMENT_HOLD_DAYS: '0' }).money.settlementHoldDays).toBe(0);
    const seller = await sellerWithBank(app, 20);
    const buyer = await signUpUser(app);
    await deliveredOrder(buyer.client, stripe, seller);
    const ctx = system();
    const noHold = { ...ctx, config: { ...ctx.config, money: { ...ctx.config.money, settlementHoldDays: 0 } } };
    const run = await settleDueOrders(noHold, { now: clock.now(), limit: 1000 });
    expect(run.byShop.find((s) => s.shopId === seller.id)).toEqual({ shopId: seller.id, count: 1, amountMinor: 1800 });
  });

  it('run twice, the second run settles nothing and no journal is doubled', async () => {
    const seller = await sellerWithBank(app, 50);
    const buyer = await signUpUser(app);
    await deliveredOrder(buyer.client, stripe, seller);
    await deliveredOrder(buyer.client, stripe, seller);
    const later = new Date(clock.now().getTime() + 8 * DAY);
    expect(await settleAll(app, later)).toBeGreaterThanOrEqual(2);
    expect(await settleAll(app, later)).toBe(0);
    expect(await account(seller.id, 'available')).toBe(9000);
    const dup = await rows(sql`SELECT ref FROM ledger_journals WHERE kind = 'settlement' GROUP BY ref HAVING COUNT(*) > 1`);
    expect(dup).toEqual([]);
    await expectBooksClean(app);
  });

  it('a run holding its batch in an open transaction is skipped by a run on another connection, and each order settles once', async () => {
    const [a, b, c] = [await sellerWithBank(app, 10), await sellerWithBank(app, 11), await sellerWithBank(app, 12)];
    const buyer = await signUpUser(app);
    await settleAll(app, new Date(clock.now().getTime() + 30 * DAY)); // earlier tests' orders out of the way
    // Shop a's five orders are delivered first, so they are the oldest: the first run's batch of five.
    for (let i = 0; i < 5; i++) await deliveredOrder(buyer.client, stripe, a!);
    clock.advance(60_000);
    for (let i = 0; i < 4; i++) await deliveredOrder(buyer.client, stripe, b!);
    for (let i = 0; i < 3; i++) await deliveredOrder(buyer.client, stripe, c!);
    const later = new Date(clock.now().getTime() + 8 * DAY);

    await app.core.database.db.transaction(async (tx) => {
      const first = await settleDueOrders({ ...system(), db: tx }, { now: later, limit: 5 });
      expect(first.byShop).toEqual([{ shopId: a!.id, count: 5, amountMinor: 4500 }]);
      // Another connection while the first batch is uncommitted: it skips those orders instead of waiting for them.
      const second = await settleDueOrders(system(), { now: later, limit: 100 });
      expect(second.count).toBe(7);
      expect(second.byShop.map((s) => s.shopId).sort()).toEqual([b!.id, c!.id].sort());
    });
    expect(await settleAll(app, later)).toBe(0);
    expect(await account(a!.id, 'available')).toBe(4500);
    expect(await account(b!.id, 'available')).toBe(4 * 990);
    expect(await account(c!.id, 'available')).toBe(3 * 1080);
    await expectBooksClean(app);
  });

  it('two workers racing from two connection pools settle every due order exactly once', async () => {
    const sellers = [await sellerWithBank(app, 30), await sellerWithBank(app, 31), await sellerWithBank(app, 32)];
    const buyer = await signUpUser(app);
    await settleAll(app, new Date(clock.now().getTime() + 30 * DAY));
    for (let i = 0; i < 5; i++) {
      const orders = await cardOrder(buyer.client, stripe, sellers.map((s) => ({ productId: s.productId })));
      for (const o of orders) await deliver(sellers.find((s) => s.id === o.shopId)!.client, o._id);
    }
    const later = new Date(clock.now().getTime() + 8 * DAY);
    const other = await createCore(app.config, { poolSize: 4, clock });
    try {
      const loop = async (ctx: Ctx) => {
        let n = 0;
        for (;;) {
          const run = await settleDueOrders(ctx, { now: later, limit: 2 });
          n += run.count;
          if (run.count < 2) return n;
        }
      };
      const counts = await Promise.all([
        loop(system()),
        loop(other.ctx({ kind: 'system', name: 'second worker' })),
        loop(system()),
        loop(other.ctx({ kind: 'system', name: 'second worker' })),
      ]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(15);
    } finally {
      await other.close();
    }
    for (const [i, s] of sellers.entries()) expect(await account(s.id, 'available')).toBe(5 * (2700 + i * 90));
    const settled = await rows<{ n: number }>(
      sql`SELECT COUNT(*)::int AS n FROM ledger_journals WHERE kind = 'settlement' AND ref IN (SELECT id FROM orders WHERE shop_id IN (${sql.join(
        sellers.map((s) => sql`${s.id}`),
        sql`, `,
      )}))`,
    );
    expect(settled[0]!.n).toBe(15);
    await expectBooksClean(app);
  });

  it('orders refunded, or with a refund requested, never settle; their money leaves pending only by the refund', async () => {
    const seller = await sellerWithBank(app, 40);
    const buyer = await signUpUser(app);
    const refunded = await deliveredOrder(buyer.client, stripe, seller);
    const asked = await deliveredOrder(buyer.client, stripe, seller);
    expect((await buyer.client.put(`/order/order-refund/${refunded._id}`, { reason: 'broken' })).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${refunded._id}`)).status).toBe(200);
    expect((await buyer.client.put(`/order/order-refund/${asked._id}`, { reason: 'late' })).status).toBe(200);
    await settleAll(app, new Date(clock.now().getTime() + 30 * DAY));
    expect(await rows(sql`SELECT id FROM ledger_journals WHERE kind = 'settlement' AND ref IN (${refunded._id}, ${asked._id})`)).toEqual([]);
    expect(await account(seller.id, 'pending')).toBe(3600);
    expect(await account(seller.id, 'available')).toBe(0);
    await expectBooksClean(app);
  });

  it('cash orders never settle: the seller holds the cash and owes the commission from delivery', async () => {
    const seller = await sellerWithBank(app, 60);
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, seller.productId, 1);
    const placed = await placeCodOrder(buyer.client);
    await deliver(seller.client, placed.body.orders[0]._id);
    await settleAll(app, new Date(clock.now().getTime() + 30 * DAY));
    expect(await rows(sql`SELECT id FROM ledger_journals WHERE kind = 'settlement' AND ref = ${placed.body.orders[0]._id}`)).toEqual([]);
    expect(await account(seller.id, 'available')).toBe(-600);
  });

  it('only the worker (system) or an admin or operator may run it', async () => {
    await expect(settleDueOrders(app.core.ctx({ kind: 'shop', id: 'shop_x' }), {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(settleDueOrders(app.core.ctx({ kind: 'anonymous' }), {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(settleDueOrders(system(), { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(settleDueOrders(app.core.ctx({ kind: 'operator', name: 'ops' }), { limit: 1 })).resolves.toMatchObject({ count: expect.any(Number) });
  });
});

describe('refund after settlement', () => {
  it('takes the money from available; below zero it is debt, shown as such, refused for withdrawals, and repaid by the next settlement', async () => {
    const seller = await sellerWithBank(app, 100);
    const buyer = await signUpUser(app);
    const first = await deliveredOrder(buyer.client, stripe, seller);
    await settleAll(app, new Date(clock.now().getTime() + 7 * DAY));
    expect(await account(seller.id, 'available')).toBe(9000);
    // Withdraw most of it, then the buyer gets the whole order refunded: 90 − 80 held − 90 refunded.
    const held = await seller.client.post('/withdraw/create-withdraw-request', { amount: 80 });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect((await buyer.client.put(`/order/order-refund/${first._id}`, {})).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${first._id}`)).status).toBe(200);
    expect(await account(seller.id, 'available')).toBe(-8000);
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 0, debt: 80, onHold: 80, pending: 0 });
    await expectBooksClean(app);

    const refused = await seller.client.post('/withdraw/create-withdraw-request', { amount: 50 });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/debt by 80\.00/);

    // The next order's settlement repays the debt first: 90 − 80 = 10 available.
    clock.advance(DAY);
    await deliveredOrder(buyer.client, stripe, seller);
    await settleAll(app, new Date(clock.now().getTime() + 7 * DAY));
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 10, debt: 0, onHold: 80 });
    await expectBooksClean(app);
  });
});
