import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/core/shared/ids.ts';
import { DAY } from '../helpers/clock.ts';
import { tableFingerprints } from '../helpers/database.ts';
import { signUpUser } from '../helpers/factories.ts';
import { BANK, deliveredOrder, expectBooksClean, sellerWithBank, settleAll, startCardApp, type CardApp } from '../helpers/money.ts';
import { baseEnv, mvshop, mvshopOnTerminal } from './run-cli.ts';

// Each case starts real `mvshop` processes; CI machines can be busy.
vi.setConfig({ testTimeout: 120_000 });

const MASKED = `****${BANK.bankAccountNumber.slice(-4)}`;
let app: CardApp;
let sql: pg.Client;
let cwd: string;
let env: Record<string, string>;
let buyer: Awaited<ReturnType<typeof signUpUser>>;

beforeAll(async () => {
  app = await startCardApp();
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-wd-'));
  const s = app.stripe;
  env = {
    ...baseEnv(),
    STRIPE_SECRET_KEY: s.secretKey,
    STRIPE_WEBHOOK_SECRET: s.webhookSecret,
    STRIPE_API_URL: s.url,
    DATABASE_URL: app.databaseUrl,
    DATA_DIR: cwd,
    MVSHOP_OPERATOR: 'ops-olga',
  };
  buyer = await signUpUser(app);
});

afterAll(async () => {
  await sql?.end();
  await app?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (...args: string[]) => mvshop(args, { cwd, env });
const one = async <T = any>(text: string, params: unknown[] = []) => (await sql.query(text, params)).rows[0] as T;
const status = async (id: string) => (await one<{ status: string }>(`SELECT status FROM withdrawals WHERE id = $1`, [id])).status;

/** Runs `fn` and asserts no row of any table changed, once the API's outbox poller is idle. */
async function expectNoChange(fn: () => Promise<void>) {
  await vi.waitFor(async () => expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`)).n).toBe(0), {
    timeout: 10_000,
  });
  const before = await tableFingerprints(sql);
  await fn();
  expect(await tableFingerprints(sql)).toEqual(before);
}

/** A seller with `price` less 10 % commission available (a delivered card order, settled), who asks to withdraw `amount`. */
async function sellerWithWithdrawal(price: number, amount: number) {
  const seller = await sellerWithBank(app, price);
  await deliveredOrder(buyer.client, app.stripe, seller);
  await settleAll(app, new Date(Date.now() + 8 * DAY));
  const res = await seller.client.post('/withdraw/create-withdraw-request', { amount });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { seller, withdrawalId: res.body.withdraw._id as string };
}

describe('mvshop withdraw list and show', () => {
  it('list --json filters by status and shop; show gives the masked account and the shop’s balances now; a table otherwise', async () => {
    const { seller, withdrawalId } = await sellerWithWithdrawal(200, 120.5);
    const res = await run('withdraw', 'list', '--status', 'Processing', '--shop', seller.id, '--json');
    expect(res.code, res.stderr).toBe(0);
    const page = res.json();
    expect(page).toMatchObject({ total: 1, page: 1, pages: 1 });
    expect(page.withdraws).toEqual([
      expect.objectContaining({ _id: withdrawalId, shopId: seller.id, amount: 120.5, currency: 'usd', status: 'Processing', decidedBy: null }),
    ]);
    expect(JSON.stringify(page)).not.toContain(BANK.bankAccountNumber);

    const shown = await run('withdraw', 'show', withdrawalId, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({
      _id: withdrawalId,
      amount: 120.5,
      withdrawMethod: { bankAccountNumber: MASKED },
      shopBalance: { available: 59.5, onHold: 120.5, paidOut: 0, debt: 0, currency: 'usd' },
    });
    const table = await run('withdraw', 'show', withdrawalId);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('120.50 usd');
    expect(table.stdout).toContain(MASKED);
    expect(table.stdout).toContain('available 59.50 usd, on hold 120.50 usd');

    const listed = await run('withdraw', 'list', '--shop', seller.id);
    expect(listed.stdout).toContain(withdrawalId);
    expect(listed.stdout).toContain('Page 1 of 1, 1 withdrawal.');

    const bad = await run('withdraw', 'list', '--status', 'paid');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/status.*must be one of: Processing, succeed, rejected/);
    const unknown = newId('withdrawal');
    const missing = await run('withdraw', 'show', unknown);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Withdrawal not found: ${unknown}`);
  });
});

describe('mvshop withdraw approve', () => {
  it('a dry run changes nothing; the real one pays out once, audited with the operator and reason; a second approval is refused (exit 1)', async () => {
    const { seller, withdrawalId } = await sellerWithWithdrawal(100, 60);
    await expectNoChange(async () => {
      const dry = await run('withdraw', 'approve', withdrawalId, '--reason', 'weekly run', '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      const body = dry.json();
      expect(body.approved).toEqual([expect.objectContaining({ _id: withdrawalId, status: 'succeed', decidedBy: 'operator:ops-olga' })]);
      expect(body.dryRun.changes.map((c: any) => c.table)).toEqual(expect.arrayContaining(['audit_log', 'ledger_entries', 'withdrawals']));
    });
    expect(await status(withdrawalId)).toBe('Processing');

    const res = await run('withdraw', 'approve', withdrawalId, '--reason', 'weekly run');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Approved 1 of 1, 60.00 usd paid out.');
    expect(await one(`SELECT status, decided_by FROM withdrawals WHERE id = $1`, [withdrawalId])).toEqual({ status: 'succeed', decided_by: 'operator:ops-olga' });
    expect(await one(`SELECT actor, reason, details FROM audit_log WHERE action = 'withdrawal.approve' AND target = $1`, [withdrawalId])).toEqual({
      actor: 'operator:ops-olga',
      reason: 'weekly run',
      details: { shopId: seller.id, amountMinor: 6000, currency: 'usd' },
    });
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 30, onHold: 0, paidOut: 60 });

    await expectNoChange(async () => {
      const again = await run('withdraw', 'approve', withdrawalId, '--json');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`Withdrawal ${withdrawalId} was already approved and paid out`);
      expect(again.json()).toMatchObject({ approved: [], failed: [{ _id: withdrawalId, code: 'INVALID_STATE' }] });
    });
    await expectBooksClean(app);
  });

  it('approves several at once; one already decided among them is refused and named while the others go through (exit 1)', async () => {
    const a = await sellerWithWithdrawal(100, 50);
    const b = await sellerWithWithdrawal(100, 70);
    const both = await run('withdraw', 'approve', a.withdrawalId, b.withdrawalId, '--json');
    expect(both.code, both.stderr).toBe(0);
    expect(both.json().approved.map((w: any) => [w._id, w.status])).toEqual([
      [a.withdrawalId, 'succeed'],
      [b.withdrawalId, 'succeed'],
    ]);

    const c = await sellerWithWithdrawal(100, 55);
    const mixed = await run('withdraw', 'approve', a.withdrawalId, c.withdrawalId);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toContain('Approved 1 of 2, 55.00 usd paid out.');
    expect(mixed.stderr).toContain(`Withdrawal ${a.withdrawalId} was already approved and paid out`);
    expect(await status(c.withdrawalId)).toBe('succeed');
    const audits = await one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'withdrawal.approve' AND target = ANY($1)`, [
      [a.withdrawalId, b.withdrawalId, c.withdrawalId],
    ]);
    expect(audits.n).toBe(3);
    await expectBooksClean(app);
  });

  it('without ids and without a terminal it is a usage error (exit 2) at once, never a prompt', async () => {
    const started = Date.now();
    const res = await mvshop(['withdraw', 'approve'], { cwd, env, timeoutMs: 20_000 });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('name the withdrawals to approve');
    expect(Date.now() - started).toBeLessThan(20_000);
    const wrongKind = await run('withdraw', 'approve', newId('order'));
    expect(wrongKind.code).toBe(2);
  });

  it('on a terminal without ids, the operator ticks pending withdrawals (shop, amount, balance, debt, age) and confirms the total', async () => {
    const { seller, withdrawalId } = await sellerWithWithdrawal(100, 65);
    // The queue is oldest first; other tests' withdrawals may still wait ahead of this one.
    const queue = (await sql.query(`SELECT id FROM withdrawals WHERE status = 'Processing' ORDER BY created_at, id`)).rows.map((r) => r.id);
    const down = '\u001b[B'.repeat(queue.indexOf(withdrawalId));
    const approveOnTerminal = (answer: string) =>
      mvshopOnTerminal(['withdraw', 'approve', '--reason', 'picked by hand'], {
        cwd,
        env,
        prompt: 'Withdrawals to approve',
        keys: `${down} \r`,
        then: [{ prompt: 'Pay out 65.00 usd in all', keys: `${answer}\r` }],
      });
    await expectNoChange(async () => {
      const no = await approveOnTerminal('n');
      expect(no.code, no.output).toBe(1);
      expect(no.output).toContain('Cancelled: nothing was changed');
    });
    const res = await approveOnTerminal('y');
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain(seller.name);
    expect(res.output).toMatch(/65\.00 usd\s+available 25\.00\s+no debt\s+waiting \d+/);
    expect(res.output).toContain('Approved 1 of 1, 65.00 usd paid out.');
    expect(await status(withdrawalId)).toBe('succeed');
    expect(await one(`SELECT reason FROM audit_log WHERE action = 'withdrawal.approve' AND target = $1`, [withdrawalId])).toEqual({ reason: 'picked by hand' });
  });
});

describe('mvshop withdraw reject', () => {
  it('needs --reason (exit 2 without); a rejection returns the money to available, audited with the reason', async () => {
    const { seller, withdrawalId } = await sellerWithWithdrawal(100, 80);
    await expectNoChange(async () => {
      const missing = await run('withdraw', 'reject', withdrawalId);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("required option '--reason <text>' not specified");
      const dry = await run('withdraw', 'reject', withdrawalId, '--reason', 'name mismatch', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('Dry run: rolled back, nothing was changed.');
    });
    const res = await run('withdraw', 'reject', withdrawalId, '--reason', 'name mismatch', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toMatchObject({ _id: withdrawalId, status: 'rejected', reason: 'name mismatch', decidedBy: 'operator:ops-olga' });
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 90, onHold: 0 });
    expect(await one(`SELECT reason FROM audit_log WHERE action = 'withdrawal.reject' AND target = $1`, [withdrawalId])).toEqual({ reason: 'name mismatch' });
    const again = await run('withdraw', 'reject', withdrawalId, '--reason', 'again');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Withdrawal ${withdrawalId} was already rejected`);
  });
});

describe('mvshop ledger show, shop statement, stats', () => {
  it('ledger show lists the shop’s entries newest first as GET /shop/transactions does; statement --json matches the API, --csv prints its CSV', async () => {
    const { seller, withdrawalId } = await sellerWithWithdrawal(100, 50);
    const api = await seller.client.get('/shop/transactions?limit=100');
    const res = await run('ledger', 'show', '--shop', seller.id, '--limit', '100', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toEqual({ transactions: api.body.transactions, total: api.body.total, page: api.body.page, pages: api.body.pages });
    expect(res.json().transactions[0]).toMatchObject({ kind: 'withdrawal-held', reference: withdrawalId });
    const table = await run('ledger', 'show', '--shop', seller.id);
    expect(table.stdout).toContain('withdrawal-held');

    const month = new Date().toISOString().slice(0, 7);
    const apiStatement = await seller.client.get(`/shop/statement?month=${month}`);
    const statement = await run('shop', 'statement', seller.id, '--json');
    expect(statement.code, statement.stderr).toBe(0);
    expect(statement.json()).toEqual(apiStatement.body.statement);
    const csv = await run('shop', 'statement', seller.id, '--month', month, '--csv');
    expect(csv.code, csv.stderr).toBe(0);
    const apiCsv = await seller.client.get(`/shop/statement?month=${month}`, { accept: 'text/csv' });
    expect(csv.stdout).toBe(apiCsv.body);

    const noShop = await run('ledger', 'show');
    expect(noShop.code).toBe(2);
    const unknown = newId('shop');
    const missing = await run('shop', 'statement', unknown);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Shop not found: ${unknown}`);
    const badMonth = await run('shop', 'statement', seller.id, '--month', '2025-13');
    expect(badMonth.code).toBe(2);
    expect(badMonth.stderr).toContain('must be a month as YYYY-MM');
  });

  it('stats counts pending withdrawals and their total', async () => {
    const { withdrawalId } = await sellerWithWithdrawal(100, 52.25);
    const pending = await one<{ n: number; total: number }>(
      `SELECT count(*)::int AS n, coalesce(sum(amount_minor), 0)::int AS total FROM withdrawals WHERE status = 'Processing'`,
    );
    const res = await run('stats', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json().pendingWithdrawals).toEqual({ count: pending.n, amountMinor: pending.total });
    expect(pending.n).toBeGreaterThanOrEqual(1);
    const table = await run('stats');
    expect(table.stdout).toMatch(/pending withdrawals \(now\)\s+│ \d+, [\d.]+ usd/);
    expect(await status(withdrawalId)).toBe('Processing');
  });
});
