import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUpUser } from '../helpers/factories.ts';
import { cardOrder, sellerWithBank, startCardApp, type CardApp } from '../helpers/money.ts';
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
});
