import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { settleDueOrders } from '../../src/core/flows/index.ts';
import { verifyBooks } from '../../src/core/flows/index.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { ADDRESS, addToCart, deliver, listProduct } from './commerce.ts';
import { startFakeStripe, type FakeStripe } from './fake-stripe.ts';
import { signUpShop } from './factories.ts';
import type { TestClient } from './http.ts';

export type CardApp = TestApp & { stripe: FakeStripe };

/** The API with card payments through the local Stripe-shaped server; `close` stops both. */
export async function startCardApp(opts: TestAppOptions = {}): Promise<CardApp> {
  const stripe = await startFakeStripe();
  const env = { ...stripe.env, ...opts.env };
  const app = await startTestApp({ ...opts, env }).catch(async (err: unknown) => {
    await stripe.close();
    throw err;
  });
  return {
    ...app,
    stripe,
    async close() {
      await app.close();
      await stripe.close();
    },
  };
}

export const BANK = {
  bankName: 'Deutsche Bank',
  bankCountry: 'DE',
  bankSwiftCode: 'DEUTDEFF500',
  bankAccountNumber: 'DE89370400440532013000',
  bankHolderName: 'Corner Shop GmbH',
  bankAddress: 'Taunusanlage 12, Frankfurt',
};

/** A shop with a bank account on file and one listing at `price` (major units). */
export async function sellerWithBank(app: TestApp, price = 100) {
  const shop = await signUpShop(app);
  const res = await shop.client.put('/shop/update-payment-method', { withdrawMethod: BANK });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const productId = await listProduct(shop.client, { originalPrice: price, stock: 10_000 });
  return { ...shop, productId, id: shop.seller._id as string };
}

/** A paid card checkout of `lines` through the real routes; returns its orders. */
export async function cardOrder(buyer: TestClient, stripe: FakeStripe, lines: { productId: string; qty?: number }[]) {
  for (const l of lines) await addToCart(buyer, l.productId, l.qty ?? 1);
  const pay = await buyer.post('/payment/payment-process', { shippingAddress: ADDRESS });
  expect(pay.status, JSON.stringify(pay.body)).toBe(201);
  const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
  stripe.succeed(intentId);
  const res = await buyer.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.orders as { _id: string; shopId: string; totalPrice: number; platformFee: number }[];
}

/** A delivered card order of one listing; returns the order. */
export async function deliveredOrder(buyer: TestClient, stripe: FakeStripe, seller: { client: TestClient; productId: string }, qty = 1) {
  const [order] = await cardOrder(buyer, stripe, [{ productId: seller.productId, qty }]);
  await deliver(seller.client, order!._id);
  return order!;
}

/** Settlement as the worker runs it: batches until none is due at `now`. */
export async function settleAll(app: TestApp, now: Date = app.core.clock.now(), limit = 1000) {
  const ctx = app.core.ctx({ kind: 'system', name: 'test' });
  let count = 0;
  for (;;) {
    const run = await settleDueOrders(ctx, { now, limit });
    count += run.count;
    if (run.count < limit) return count;
  }
}

/** The full books check (`mvshop ledger verify`) must pass. */
export async function expectBooksClean(app: TestApp) {
  const report = await verifyBooks(app.core.ctx({ kind: 'system', name: 'test' }));
  expect(report, JSON.stringify(report)).toMatchObject({ ok: true, totalMinor: 0 });
}

/** As if a posting had never been made (a lost journal): the journal, its entries and their effect on the stored balances go. */
export async function unpostJournal(app: TestApp, kind: string, ref: string) {
  const db = app.core.database.db;
  const journal = sql`SELECT id FROM ledger_journals WHERE kind = ${kind} AND ref = ${ref}`;
  await db.execute(sql`UPDATE ledger_balances b SET balance_minor = b.balance_minor - e.sum
                       FROM (SELECT account, sum(amount_minor) AS sum FROM ledger_entries WHERE journal_id IN (${journal}) GROUP BY account) e
                       WHERE b.account = e.account`);
  await db.execute(sql`DELETE FROM ledger_entries WHERE journal_id IN (${journal})`);
  await db.execute(sql`DELETE FROM ledger_journals WHERE kind = ${kind} AND ref = ${ref}`);
}

/**
 * As if a card order's posting (`order-paid`, `order-refund`) had moved `delta` less through
 * clearing than it did, the seller's side by as much: still balanced, so only reconciliation sees it.
 */
export async function shortenPosting(app: TestApp, kind: string, ref: string, delta: number) {
  const db = app.core.database.db;
  const [journal] = await queryRows<{ id: string; sign: number }>(
    db,
    sql`SELECT j.id, sign(e.amount_minor)::int AS sign FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id AND e.account = 'platform:clearing'
        WHERE j.kind = ${kind} AND j.ref = ${ref}`,
  );
  expect(journal, `${kind} ${ref}`).toBeDefined();
  const change = -journal!.sign * delta;
  // The seller's gross entry (the sale or the refund) is the one of the other sign than clearing's.
  const edits = [
    { where: sql`account = 'platform:clearing'`, change },
    { where: sql`account LIKE 'shop:%' AND sign(amount_minor) = ${-journal!.sign}`, change: -change },
  ];
  for (const e of edits) {
    const edited = await queryRows<{ account: string }>(
      db,
      sql`UPDATE ledger_entries SET amount_minor = amount_minor + ${e.change} WHERE journal_id = ${journal!.id} AND ${e.where} RETURNING account`,
    );
    expect(edited).toHaveLength(1);
    await db.execute(sql`UPDATE ledger_balances SET balance_minor = balance_minor + ${e.change} WHERE account = ${edited[0]!.account}`);
  }
}
