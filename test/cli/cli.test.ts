import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCore, loadConfig } from '../../src/core/index.ts';
import { queueEmail } from '../../src/core/mail/index.ts';
import { newId } from '../../src/core/shared/ids.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';
import { seedDeliveredOrders } from '../../bench/lib/settlement-seed.ts';
import { baseEnv, mvshop } from './run-cli.ts';

// Each case starts a real Node process (tsx, the core, a database connection); CI machines can be busy.
vi.setConfig({ testTimeout: 90_000 });

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Client;
let mail: SmtpCapture;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  mail = await startSmtpCapture();
  // An empty working directory: no stray .env, and the file mailbox (if ever used) lands here.
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-cli-'));
  env = {
    ...baseEnv(),
    DATABASE_URL: db.url,
    DATA_DIR: cwd,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.port),
    SMTP_SECURE: 'false',
  };
});

afterAll(async () => {
  await sql?.end();
  await mail?.close();
  await db?.drop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (args: string[], extraEnv: Record<string, string> = {}) => mvshop(args, { cwd, env: { ...env, ...extraEnv } });

describe('mvshop db status', () => {
  it('with --json, prints one JSON document listing every migration as applied and exits 0', async () => {
    const res = await run(['db', 'status', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<{ database: string; migrations: { name: string; applied: boolean }[]; pending: number }>();
    expect(body.database).toBe('postgres');
    expect(body.migrations.length).toBeGreaterThan(0);
    expect(body.migrations.map((m) => m.name)).toContain('0000_init');
    expect(body.migrations.every((m) => m.applied)).toBe(true);
    expect(body.pending).toBe(0);
  });
});

describe('mvshop user create-admin', () => {
  it('creates an Admin account and an audit row naming the operator given with --as', async () => {
    const email = uniqueEmail('admin');
    const res = await run(['user', 'create-admin', '--email', email, '--name', 'Ada Admin', '--password', 'correct-horse-9', '--json', '--as', 'ops-alice']);
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<{ created: boolean; user: { _id: string; email: string; role: string } }>();
    expect(body.created).toBe(true);
    expect(body.user).toMatchObject({ email, role: 'Admin' });
    expect(body.user).not.toHaveProperty('passwordHash');

    const users = await sql.query('SELECT id, role, name FROM users WHERE email = $1', [email]);
    expect(users.rows).toEqual([{ id: body.user._id, role: 'Admin', name: 'Ada Admin' }]);
    const audit = await sql.query('SELECT actor, action FROM audit_log WHERE target = $1', [body.user._id]);
    expect(audit.rows).toEqual([{ actor: 'operator:ops-alice', action: 'user.create-admin' }]);
  });

  it('without a password and without a terminal, exits 2 naming --password, promptly, and creates nothing', async () => {
    const email = uniqueEmail('nopass');
    const res = await run(['user', 'create-admin', '--email', email, '--name', 'No Pass'], { MVSHOP_OPERATOR: 'ops-bob' });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--password');
    expect(res.stderr).toContain('MVSHOP_ADMIN_PASSWORD');
    const users = await sql.query('SELECT id FROM users WHERE email = $1', [email]);
    expect(users.rowCount).toBe(0);
  });
});

describe('mvshop user ban', () => {
  it('on an id no account has, exits 1 with a message naming the id and writes no audit row', async () => {
    const id = newId('user');
    const res = await run(['user', 'ban', id, '--reason', 'spam']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/User not found/);
    expect(res.stderr).toContain(id);
    const audit = await sql.query('SELECT 1 FROM audit_log WHERE target = $1', [id]);
    expect(audit.rowCount).toBe(0);
  });
});

describe('usage errors', () => {
  it('an unknown command exits 2 with the reason on stderr', async () => {
    const res = await run(['frobnicate']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('mvshop outbox', () => {
  it('status counts a queued email as pending; drain delivers it over SMTP and it counts as done', async () => {
    const to = uniqueEmail('outbox');
    const core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: cwd }), { poolSize: 1 });
    try {
      await queueEmail(core.ctx({ kind: 'operator', name: 'test' }), to, 'password-changed', { name: 'Olga' });
    } finally {
      await core.close();
    }

    const before = await run(['outbox', 'status', '--json']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.json()).toMatchObject({ pending: 1, due: 1, done: 0, dead: 0 });
    expect(before.json().oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);

    const drained = await run(['outbox', 'drain', '--json']);
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.json()).toMatchObject({ processed: 1, status: { pending: 0, done: 1, dead: 0, oldestPendingAt: null } });
    const message = await mail.waitFor(to);
    expect(message.subject).toMatch(/password was changed/i);
  });
});

describe('mvshop settle run', () => {
  it('settles every due order in batches, says how much per shop, and ledger verify then checks held against Processing withdrawals', async () => {
    const { shopIds } = await seedDeliveredOrders(sql, { orders: 7, shops: 2, deliveredAt: new Date(Date.now() - 8 * 86_400_000), tag: 'cli', totalMinor: 2000 });
    const res = await run(['settle', 'run', '--batch', '3', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toMatchObject({
      count: 7,
      amountMinor: 7 * 1800,
      batches: 3,
      byShop: [
        { shopId: shopIds[0], count: 4, amountMinor: 4 * 1800 },
        { shopId: shopIds[1], count: 3, amountMinor: 3 * 1800 },
      ],
    });
    const again = await run(['settle', 'run']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Settled 0 order(s), 0.00 usd, for 0 shop(s).');
    const clean = await run(['ledger', 'verify', '--json']);
    expect(clean.json()).toMatchObject({ ok: true, heldMismatch: [], paidOutMismatch: [], negativeWithoutDebt: [] });

    // A Processing withdrawal whose money was never held: the books disagree and verify says where.
    await sql.query(
      `INSERT INTO withdrawals (id, shop_id, amount_minor, currency, status, method) VALUES ('wd_cli_unheld', $1, 5000, 'usd', 'Processing', '{}'::jsonb)`,
      [shopIds[0]],
    );
    const off = await run(['ledger', 'verify']);
    expect(off.code).toBe(1);
    expect(off.stdout).toContain(`held: shop ${shopIds[0]} holds 0, Processing withdrawals sum to 5000`);
    await sql.query(`DELETE FROM withdrawals WHERE id = 'wd_cli_unheld'`);
  });
});

describe('mvshop ledger verify', () => {
  it('on a balanced ledger exits 0 with ok:true; after a stored balance drifts it names the account and exits 1', async () => {
    const clean = await run(['ledger', 'verify', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json<{ ok: boolean }>().ok).toBe(true);
    await sql.query(`INSERT INTO ledger_balances (account, balance_minor) VALUES ('shop:shop_cli_drift:available', 250)`);
    const drifted = await run(['ledger', 'verify']);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain('drift: shop:shop_cli_drift:available stored 250, entries say 0');
  });
});

describe('mvshop payments reconcile', () => {
  it('without Stripe configured exits 1 and says card payments are not available', async () => {
    const res = await run(['payments', 'reconcile']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/STRIPE_SECRET_KEY/);
  });
});

describe('mvshop catalog seed and product moderation', () => {
  it('seeds shops with active products, then hides one with an audited reason and approves it back', async () => {
    const seeded = await run(['catalog', 'seed', '--shops', '2', '--products', '6', '--json', '--yes']);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.json<{ shops: number; products: number }>()).toMatchObject({ shops: 2, products: 6 });
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM products WHERE status = 'active' ORDER BY id LIMIT 1`);
    const id = rows[0]!.id;

    const noReason = await run(['product', 'hide', id]);
    expect(noReason.code).toBe(2);
    const hidden = await run(['product', 'hide', id, '--reason', 'counterfeit', '--as', 'ops-bob', '--json']);
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.json<{ status: string; from: string }>()).toMatchObject({ from: 'active', status: 'hidden' });
    const audit = await sql.query(`SELECT actor, reason FROM audit_log WHERE target = $1 AND action = 'listing.hide'`, [id]);
    expect(audit.rows).toEqual([{ actor: 'operator:ops-bob', reason: 'counterfeit' }]);
    const again = await run(['product', 'reject', id, '--reason', 'x']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/hidden/);
    expect((await run(['product', 'approve', id])).code).toBe(0);
  });
});
