import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUpUser } from '../helpers/factories.ts';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/core/db/index.ts';
import { ADDRESS, addToCart } from '../helpers/commerce.ts';
import { cardOrder, sellerWithBank, shortenPosting, startCardApp, unpostJournal, type CardApp } from '../helpers/money.ts';
import { baseEnv, mvshop } from './run-cli.ts';

// Each case starts real `mvshop` processes; CI machines can be busy.
vi.setConfig({ testTimeout: 120_000 });

const OPS = 'ops@mvshop.test';
let app: CardApp;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  app = await startCardApp({ env: { OPS_EMAIL: OPS } });
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-reconcile-'));
  const s = app.stripe;
  env = { ...baseEnv(), STRIPE_SECRET_KEY: s.secretKey, STRIPE_WEBHOOK_SECRET: s.webhookSecret, STRIPE_API_URL: s.url, OPS_EMAIL: OPS, DATABASE_URL: app.databaseUrl, DATA_DIR: cwd };
});

afterAll(async () => {
  await app?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (...args: string[]) => mvshop(args, { cwd, env });

describe('mvshop reconcile report', () => {
  it('exits 0 with the matched total on a clean day, and 1 with named findings (emailed) once Stripe has a payment we do not', async () => {
    const seller = await sellerWithBank(app, 40);
    const buyer = await signUpUser(app);
    await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    const clean = await run('reconcile', 'report');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('matched 1 payment(s), 40.00');
    expect(clean.stdout).toContain('No findings');

    const stray = await app.stripe.client().paymentIntents.create({ amount: 999, currency: 'usd' });
    app.stripe.succeed(stray.id);
    const found = await run('reconcile', 'report', '--json');
    expect(found.code).toBe(1);
    const report = found.json<{ findings: { kind: string; stripeId: string; amountMinor: number }[] }>();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'orphan-at-stripe', stripeId: stray.id, amountMinor: 999 })]);
    const table = await run('reconcile', 'report', '--since', new Date(Date.now() - 3_600_000).toISOString());
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/orphan-at-stripe.*9\.99/);
    await app.mail.waitFor(OPS, (m) => m.subject === 'Reconciliation with Stripe found differences');

    const bad = await run('reconcile', 'report', '--since', 'yesterday-ish');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/since/);
  });

  it('--fix-plan prints the journal for a lost posting; --apply needs --reason, rehearses under --dry-run, posts once (audited) and leaves the books verified', async () => {
    const rows = <T>(q: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, q);
    const seller = await sellerWithBank(app, 25);
    const buyer = await signUpUser(app);
    const [order] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    await unpostJournal(app, 'order-paid', order!._id);
    const posted = () => rows(sql`SELECT 1 FROM ledger_journals WHERE kind = 'order-paid' AND ref = ${order!._id}`);

    const plan = await run('reconcile', 'report', '--fix-plan');
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toMatch(new RegExp(`missing-in-ledger.*order-paid ${order!._id}.*platform:clearing.*-25\\.00`));
    expect(plan.stdout).toMatch(/Needs an operator at Stripe[\s\S]*orphan-at-stripe/);
    expect(plan.stdout).toContain('--apply --reason');

    const noReason = await run('reconcile', 'report', '--apply');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    const dry = await run('reconcile', 'report', '--apply', '--reason', 'lost journal', '--dry-run');
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toMatch(/ledger_journals/);
    expect(await posted()).toHaveLength(0);

    const applied = await run('reconcile', 'report', '--apply', '--reason', 'lost journal', '--yes', '--as', 'bob', '--json');
    // The stray payment of the first case still needs an operator at Stripe.
    expect(applied.code, applied.stderr).toBe(1);
    expect(applied.json().applied).toEqual({ posted: [{ kind: 'order-paid', ref: order!._id, orderId: order!._id }], alreadyPosted: 0 });
    expect(await posted()).toHaveLength(1);
    const verify = await run('ledger', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const twice = await run('reconcile', 'report', '--apply', '--reason', 'lost journal', '--yes', '--json');
    expect(twice.json().applied).toBeUndefined();
    expect(twice.json().findings.map((f: { kind: string }) => f.kind)).toEqual(['orphan-at-stripe']);
    expect(await rows(sql`SELECT 1 FROM ledger_journals WHERE kind = 'order-paid' AND ref = ${order!._id}`)).toHaveLength(1);
    expect(await rows(sql`SELECT actor, reason FROM audit_log WHERE action = 'reconcile.fix'`)).toEqual([{ actor: 'operator:bob', reason: 'lost journal' }]);
  });

  it('--fix-plan prints an order-refund-correction for a refund journal of the wrong amount; --apply posts it and the report and the books are clean again', async () => {
    const seller = await sellerWithBank(app, 30);
    const buyer = await signUpUser(app);
    const [order] = await cardOrder(buyer.client, app.stripe, [{ productId: seller.productId }]);
    expect((await buyer.client.put(`/order/order-refund/${order!._id}`, { reason: 'broken' })).status).toBe(200);
    expect((await seller.client.put(`/order/order-refund-success/${order!._id}`)).status).toBe(200);
    await shortenPosting(app, 'order-refund', order!._id, 500);

    const plan = await run('reconcile', 'report', '--fix-plan');
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toMatch(new RegExp(`amount-differs.*order-refund-correction ${order!._id}#1.*platform:clearing.*5\\.00`));
    const applied = await run('reconcile', 'report', '--apply', '--reason', 'refund booked short', '--yes', '--json');
    expect(applied.json().applied).toEqual({ posted: [{ kind: 'order-refund-correction', ref: `${order!._id}#1`, orderId: order!._id }], alreadyPosted: 0 });
    // The stray payment of the first case still needs an operator at Stripe.
    expect(applied.code, applied.stderr).toBe(1);
    const verify = await run('ledger', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const after = await run('reconcile', 'report', '--json');
    expect(after.json().findings.map((f: { kind: string }) => f.kind)).toEqual(['orphan-at-stripe']);
  });
});

describe('mvshop payments retry-refund', () => {
  it('needs a checkout id and a reason (exit 2), names a checkout with no refund (exit 1), and retries a failed one as a new attempt', async () => {
    expect((await run('payments', 'retry-refund', 'ord_01jzzzzzzzzzzzzzzzzzzzzzzz', '--reason', 'x')).code).toBe(2);
    const noReason = await run('payments', 'retry-refund', 'chk_01jzzzzzzzzzzzzzzzzzzzzzzz');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    const unknown = await run('payments', 'retry-refund', 'chk_01jzzzzzzzzzzzzzzzzzzzzzzz', '--reason', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('chk_01jzzzzzzzzzzzzzzzzzzzzzzz');

    const seller = await sellerWithBank(app, 15);
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, seller.productId, 1);
    const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
    const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
    app.stripe.succeed(intentId);
    await app.core.database.db.execute(sql`UPDATE product_stock SET stock = 0 WHERE product_id = ${seller.productId}`);
    // The automatic refund waits at the bank, which then fails it.
    app.stripe.holdRefunds(true);
    expect((await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } })).status).toBe(409);
    app.stripe.holdRefunds(false);
    app.stripe.sendWebhooksTo(`${app.url}/api/v1/payment/webhook`);
    app.stripe.settleRefund(app.stripe.refundsFor(intentId)[0]!.id, 'failed');
    await app.stripe.flushWebhooks();
    app.stripe.sendWebhooksTo(null);
    const [checkout] = await queryRows<{ id: string; status: string }>(
      app.core.database.db,
      sql`SELECT c.id, r.status FROM checkouts c JOIN refunds r ON r.checkout_id = c.id WHERE c.payment_intent_id = ${intentId}`,
    );
    expect(checkout!.status).toBe('failed');

    const retried = await run('payments', 'retry-refund', checkout!.id, '--reason', 'card works again', '--yes');
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/attempt 1 succeeded/);
    expect(app.stripe.amountRefunded(intentId)).toBe(1_500);
  });
});
