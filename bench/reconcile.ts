/**
 * `npm run bench:reconcile`: the three-way reconciliation (`mvshop reconcile report`) over many paid
 * card checkouts. Seeds delivered card orders (one per checkout) straight into a throwaway database,
 * gives each checkout a succeeded PaymentIntent, its charge and the charge's balance transaction in
 * the local Stripe stand-in, and refunds one order in ten (the refund row, its `order-refund` journal,
 * Stripe's refund and its balance transaction), then runs the report and prints its time, its findings (there must be none) and this process's heap after each tenth
 * of Stripe's pages, to show what memory does as the number of checkouts grows.
 *
 *   npm run bench:reconcile -- [--checkouts 10000] [--refunds N (default a tenth)]
 */
import pg from 'pg';
import { reconcileReport } from '../src/core/flows/index.ts';
import { createCore, loadConfig } from '../src/core/index.ts';
import { startFakeStripe, type FakeBalanceTransaction, type FakeCharge, type FakePaymentIntent, type FakeRefund } from '../test/helpers/fake-stripe.ts';
import { createBenchDatabase } from './lib/database.ts';
import { readMemory } from './lib/rss.ts';
import { seedDeliveredOrders } from './lib/settlement-seed.ts';

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer\nusage: npm run bench:reconcile -- [--checkouts N] [--refunds N]\n`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const checkouts = option('checkouts', 10_000);
  const refunded = Math.min(checkouts, option('refunds', Math.max(1, Math.floor(checkouts / 10))));
  const total = 5_000;
  const bench = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/');
  const stripe = await startFakeStripe();
  let failed = false;
  try {
    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    try {
      await seedDeliveredOrders(client, { orders: checkouts, shops: 1, deliveredAt: new Date(), tag: 'rec', totalMinor: total });
      await client.query(`UPDATE checkouts SET payment_intent_id = 'pi_' || id, amount_minor = $1`, [total]);
      // The first orders refunded before settlement, as refundOrder leaves them: the exact reverse of order-paid, from pending.
      const order = `'ord_rec' || lpad(i::text, 23, '0')`;
      await client.query(
        `INSERT INTO refunds (id, order_id, checkout_id, provider, provider_refund_id, amount_minor, currency, status)
         SELECT 'rfd_rec' || lpad(i::text, 23, '0'), ${order}, 'chk_rec' || lpad((i - 1)::text, 23, '0'), 'stripe', 're_' || ${order}, $2, 'usd', 'succeeded'
         FROM generate_series(1, $1::int) i`,
        [refunded, total],
      );
      await client.query(`UPDATE orders SET status = 'Refund Success', payment_status = 'refunded' WHERE id IN (SELECT order_id FROM refunds)`);
      await client.query(`DELETE FROM settlements_due WHERE order_id IN (SELECT order_id FROM refunds)`);
      await client.query(
        `INSERT INTO ledger_journals (id, kind, ref) SELECT 'jrn_recr' || lpad(i::text, 22, '0'), 'order-refund', ${order} FROM generate_series(1, $1::int) i`,
        [refunded],
      );
      await client.query(
        `INSERT INTO ledger_entries (id, journal_id, account, amount_minor, currency)
         SELECT 'ent_recr' || lpad(((i - 1) * 4 + k)::text, 22, '0'), 'jrn_recr' || lpad(i::text, 22, '0'),
                CASE k WHEN 1 THEN 'platform:clearing' WHEN 4 THEN 'platform:fees' ELSE 'shop:' || o.shop_id || ':pending' END,
                CASE k WHEN 1 THEN o.total_minor WHEN 2 THEN -o.total_minor WHEN 3 THEN o.platform_fee_minor ELSE -o.platform_fee_minor END, 'usd'
         FROM generate_series(1, $1::int) i JOIN orders o ON o.id = ${order}, generate_series(1, 4) k`,
        [refunded],
      );
    } finally {
      await client.end();
    }
    const created = Math.floor(Date.now() / 1000);
    for (let i = 1; i <= checkouts; i++) {
      const id = `pi_chk_rec${String(i - 1).padStart(23, '0')}`;
      const charge = `ch_${id}`;
      stripe.charges.set(charge, {
        id: charge, object: 'charge', amount: total, amount_captured: total, amount_refunded: 0, refunded: false, captured: true, paid: true,
        currency: 'usd', status: 'succeeded', payment_intent: id, payment_method: 'pm_bench', metadata: {}, created, livemode: false,
      } satisfies FakeCharge);
      const fee = Math.round(total * 0.029) + 30;
      stripe.balanceTransactions.set(`txn_${id}`, {
        id: `txn_${id}`, object: 'balance_transaction', type: 'charge', amount: total, fee, net: total - fee, currency: 'usd', source: charge,
        status: 'available', created,
      } satisfies FakeBalanceTransaction);
      stripe.paymentIntents.set(id, {
        id, object: 'payment_intent', amount: total, amount_capturable: 0, amount_received: total, currency: 'usd', status: 'succeeded',
        client_secret: `${id}_secret_x`, description: null, metadata: {}, created, livemode: false, latest_charge: charge, last_payment_error: null,
        payment_method: null, payment_method_types: ['card'], automatic_payment_methods: null, capture_method: 'automatic',
        confirmation_method: 'automatic', canceled_at: null, cancellation_reason: null,
      } satisfies FakePaymentIntent);
      if (i > refunded) continue;
      const order = `ord_rec${String(i).padStart(23, '0')}`;
      const refund = `re_${order}`;
      stripe.refunds.set(refund, {
        id: refund, object: 'refund', amount: total, currency: 'usd', charge, payment_intent: id, status: 'succeeded', failure_reason: null,
        reason: null, metadata: { refundId: `rfd_rec${String(i).padStart(23, '0')}`, orderId: order }, created,
      } satisfies FakeRefund);
      stripe.balanceTransactions.set(`txn_${refund}`, {
        id: `txn_${refund}`, object: 'balance_transaction', type: 'refund', amount: -total, fee: 0, net: -total, currency: 'usd', source: refund,
        status: 'available', created,
      } satisfies FakeBalanceTransaction);
    }
    const core = await createCore(
      loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_URL: bench.url, STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_API_URL: stripe.url }),
      { migrate: false, poolSize: 2 },
    );
    try {
      const heap: number[] = [];
      const sampler = setInterval(() => heap.push(process.memoryUsage().heapUsed), 100);
      const started = performance.now();
      const report = await reconcileReport(core.ctx({ kind: 'system', name: 'bench' }), { since: new Date(Date.now() - 3_600_000) });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const every = Math.max(1, Math.ceil(heap.length / 10));
      process.stdout.write(
        [
          `three-way reconciliation of ${checkouts.toLocaleString('en-US')} paid card checkouts`,
          `  time       ${seconds.toFixed(2)} s (${Math.round(checkouts / seconds).toLocaleString('en-US')} checkouts/s, Stripe listed in pages of 100)`,
          `  matched    ${report.matched.payments.toLocaleString('en-US')} payments, ${(report.matched.paymentsMinor / 100).toFixed(2)} usd; ${report.matched.refunds.toLocaleString('en-US')} refunds (journal amounts compared); findings ${report.findings.length}`,
          `  balance    ${report.balance.transactions.toLocaleString('en-US')} balance transactions compared (expanded source, pages of 100)`,
          `  heap       ${heap.filter((_, i) => i % every === 0).map(mb).join(', ')} MB (sampled every 100 ms)`,
          `  peak RSS   ${mb(readMemory(process.pid)?.peak ?? 0)} MB (this process, fake Stripe included)`,
        ].join('\n') + '\n',
      );
      failed = report.findings.length > 0 || report.matched.payments !== checkouts || report.matched.refunds !== refunded || report.balance.transactions !== checkouts + refunded;
    } finally {
      await core.close();
    }
  } finally {
    await stripe.close();
    await bench.drop();
  }
  if (failed) process.exitCode = 1;
}

await main();
