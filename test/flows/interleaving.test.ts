import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, withTxRetry } from '../../src/core/db/index.ts';
import { verifyLedger } from '../../src/core/ledger/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { addToCart, listProduct, placeCodOrder } from '../helpers/commerce.ts';

/** Pauses the first flow that reaches `point` until released, so a competitor runs exactly there. */
function gate(point: string) {
  let armed = false;
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const releaseP = new Promise<void>((r) => (release = r));
  return {
    arm: () => (armed = true),
    reached: reachedP,
    release,
    probe: async (p: string) => {
      if (!armed || p !== point) return;
      armed = false;
      reached();
      await releaseP;
    },
  };
}

// A gate opens once: a test that needs one makes its own.
let g = gate('finalize:before-writes');
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ probe: (p) => g.probe(p) });
});
afterAll(() => app?.close());

describe('finalize under a deterministic interleaving', () => {
  it('when another buyer takes the last unit between pricing and the stock write, the first gets 409 and stock stays at 0', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 1 });
    const first = await signUpUser(app);
    const second = await signUpUser(app);
    await addToCart(first.client, p);
    await addToCart(second.client, p);

    g.arm();
    const firstOrder = placeCodOrder(first.client); // priced with stock 1, then paused inside finalize
    await g.reached;
    const secondOrder = await placeCodOrder(second.client); // runs to completion in between
    expect(secondOrder.status).toBe(201);
    g.release();
    const late = await firstOrder;
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/Out of stock/);

    const [row] = await queryRows<{ stock: number; sold_count: number }>(
      app.core.database.db,
      sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${p}`,
    );
    expect(row).toEqual({ stock: 0, sold_count: 1 });
    const [orders] = await queryRows<{ n: number }>(app.core.database.db, sql`SELECT COUNT(*)::int AS n FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.product_id = ${p}`);
    expect(orders!.n).toBe(1);
  });
});

describe('a cash order whose cart changes between its reading and its write', () => {
  const cartOf = (userId: string) =>
    queryRows<{ product_id: string; qty: number }>(app.core.database.db, sql`SELECT product_id, qty FROM cart_items WHERE user_id = ${userId} ORDER BY product_id`);

  it('a quantity raised meanwhile is ordered as raised: the write refuses the stale cart and the order is made from the cart read again', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 10 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 1);

    g = gate('finalize:before-writes');
    g.arm();
    const order = placeCodOrder(buyer.client); // read with qty 1, then paused before the write
    await g.reached;
    await addToCart(buyer.client, p, 2);
    g.release();
    const res = await order;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders.map((o: { cart: { qty: number }[] }) => o.cart.map((l) => l.qty))).toEqual([[3]]);
    const [stock] = await queryRows<{ stock: number; sold_count: number }>(app.core.database.db, sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${p}`);
    expect(stock).toEqual({ stock: 7, sold_count: 3 });
    expect(await cartOf(buyer.user._id)).toEqual([]);
  });

  it('a line added meanwhile is not ordered and stays in the cart', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { stock: 10 });
    const late = await listProduct(shop.client, { stock: 10 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 1);

    g = gate('finalize:before-writes');
    g.arm();
    const order = placeCodOrder(buyer.client);
    await g.reached;
    await addToCart(buyer.client, late, 1);
    g.release();
    const res = await order;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders.flatMap((o: { cart: { productId: string }[] }) => o.cart.map((l) => l.productId))).toEqual([p]);
    expect(await cartOf(buyer.user._id)).toEqual([{ product_id: late, qty: 1 }]);
    const [stock] = await queryRows<{ stock: number }>(app.core.database.db, sql`SELECT stock FROM product_stock WHERE product_id = ${late}`);
    expect(stock!.stock).toBe(10);
  });
});

describe('verifyLedger', () => {
  it('reports a stored balance that drifted from its entries', async () => {
    const clean = await verifyLedger(app.core.ctx());
    expect(clean.ok).toBe(true);
    await queryRows(app.core.database.db, sql`INSERT INTO ledger_balances (account, balance_minor) VALUES ('shop:shop_drift:available', 100)`);
    const report = await verifyLedger(app.core.ctx());
    expect(report.ok).toBe(false);
    expect(report.balanceDrift).toEqual([{ account: 'shop:shop_drift:available', storedMinor: 100, computedMinor: 0 }]);
  });
});

describe('withTxRetry', () => {
  /** Two transactions that take rows a and b in opposite orders, each waiting for the other before its second. */
  async function crossedTransactions(attempts: number) {
    const [a, b] = [`test:deadlock:${randomUUID()}`, `test:deadlock:${randomUUID()}`];
    await queryRows(app.core.database.db, sql`INSERT INTO ledger_balances (account, balance_minor) VALUES (${a}, 0), (${b}, 0)`);
    let firstLocks = 0;
    let bothLocked!: () => void;
    const bothLockedP = new Promise<void>((r) => (bothLocked = r));
    const runs = { ab: 0, ba: 0 };
    const run = (first: string, second: string, key: keyof typeof runs) =>
      withTxRetry(
        app.core.ctx(),
        async (tx) => {
          runs[key]++;
          await queryRows(tx, sql`UPDATE ledger_balances SET balance_minor = balance_minor + 1 WHERE account = ${first}`);
          if (runs[key] === 1 && ++firstLocks === 2) bothLocked();
          if (runs[key] === 1) await bothLockedP;
          await queryRows(tx, sql`UPDATE ledger_balances SET balance_minor = balance_minor + 1 WHERE account = ${second}`);
        },
        attempts,
      );
    const results = await Promise.allSettled([run(a, b, 'ab'), run(b, a, 'ba')]);
    const balances = await queryRows<{ balance_minor: number }>(
      app.core.database.db,
      sql`SELECT balance_minor::int AS balance_minor FROM ledger_balances WHERE account IN (${a}, ${b})`,
    );
    await queryRows(app.core.database.db, sql`DELETE FROM ledger_balances WHERE account IN (${a}, ${b})`);
    return { results, runs, balances: balances.map((r) => r.balance_minor) };
  }

  it('runs a transaction PostgreSQL aborted to break a deadlock again, so both complete once', async () => {
    const { results, runs, balances } = await crossedTransactions(3);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    // At least one was rerun, and maybe more: the rerun can update the row its rival is still waking
    // up to take (the aborted holder's row is free at once), and the two deadlock again.
    expect(runs.ab + runs.ba).toBeGreaterThanOrEqual(3);
    expect(balances).toEqual([2, 2]);
  });

  it('with its attempts used up, the deadlock reaches the caller as a retryable conflict and the aborted transaction left nothing', async () => {
    const { results, balances } = await crossedTransactions(1);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT', details: { retryable: true } });
    expect(balances).toEqual([1, 1]);
  });
});
