import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/core/shared/ids.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ADDRESS, addToCart, deliver, listProduct, PNG_DATA_URL, placeCodOrder } from '../helpers/commerce.ts';
import { tableFingerprints } from '../helpers/database.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { baseEnv, mvshop, mvshopOnTerminal } from './run-cli.ts';

// Each case starts real `mvshop` processes; CI machines can be busy.
vi.setConfig({ testTimeout: 120_000 });

let app: TestApp;
let stripe: FakeStripe;
let sql: pg.Client;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  stripe = await startFakeStripe();
  app = await startTestApp({ env: stripe.env });
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-ops-'));
  env = { ...baseEnv(), ...stripe.env, DATABASE_URL: app.databaseUrl, DATA_DIR: cwd, MVSHOP_OPERATOR: 'ops-olga' };
});

afterAll(async () => {
  await sql?.end();
  await app?.close();
  await stripe?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (...args: string[]) => mvshop(args, { cwd, env });
const one = async <T = any>(text: string, params: unknown[] = []) => (await sql.query(text, params)).rows[0] as T;

/** Runs `fn` and asserts no row of any table changed, once the API's outbox poller is idle (it delivers sign-up mail). */
async function expectNoChange(fn: () => Promise<void>) {
  await vi.waitFor(async () => expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`)).n).toBe(0), {
    timeout: 10_000,
  });
  const before = await tableFingerprints(sql);
  await fn();
  expect(await tableFingerprints(sql)).toEqual(before);
}

/** A cash order delivered (so paid) whose buyer then asked for a refund. */
async function codOrderAwaitingRefund() {
  const shop = await signUpShop(app);
  const productId = await listProduct(shop.client, { originalPrice: 30, stock: 5 });
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, productId, 2);
  const placed = await placeCodOrder(buyer.client);
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const orderId = placed.body.orders[0]._id as string;
  await deliver(shop.client, orderId);
  expect((await buyer.client.put(`/order/order-refund/${orderId}`, { reason: 'arrived broken' })).status).toBe(200);
  return { shop, buyer, productId, orderId };
}

/** A card order paid at (fake) Stripe whose buyer asked for a refund. */
async function cardOrderAwaitingRefund() {
  const shop = await signUpShop(app);
  const productId = await listProduct(shop.client, { originalPrice: 25, stock: 5 });
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, productId, 1);
  const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
  const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
  stripe.succeed(intentId);
  const res = await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const orderId = res.body.orders[0]._id as string;
  expect((await buyer.client.put(`/order/order-refund/${orderId}`, {})).status).toBe(200);
  return { shop, buyer, productId, orderId, intentId };
}

describe('mvshop order list and show', () => {
  it('list --json prints one document with orders and paging; --status and --shop filter; a table otherwise', async () => {
    const { shop, orderId } = await codOrderAwaitingRefund();
    const res = await run('order', 'list', '--status', 'Processing refund', '--shop', shop.seller._id, '--json');
    expect(res.code, res.stderr).toBe(0);
    const page = res.json();
    expect(page).toMatchObject({ total: 1, page: 1, pages: 1 });
    expect(page.orders.map((o: any) => [o._id, o.status, o.totalPrice])).toEqual([[orderId, 'Processing refund', 60]]);

    const table = await run('order', 'list', '--shop', shop.seller._id);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(orderId);
    expect(table.stdout).toContain('60.00 usd');
    expect(table.stdout).toContain('Page 1 of 1, 1 order.');
    expect(table.stderr).toBe('');
  });

  it('a status that does not exist is a usage error (exit 2) naming the choices', async () => {
    const res = await run('order', 'list', '--status', 'Lost');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/status.*must be one of/);
  });

  it('show gives the order with its status history; an unknown id exits 1 naming it, a wrong kind of id exits 2', async () => {
    const { orderId, buyer } = await codOrderAwaitingRefund();
    const res = await run('order', 'show', orderId, '--json');
    expect(res.code, res.stderr).toBe(0);
    const order = res.json();
    expect(order.user.email).toBe(buyer.email);
    expect(order.statusHistory.map((h: any) => h.status)).toEqual([
      'Processing',
      'Transferred to delivery partner',
      'Shipping',
      'Received',
      'On the way',
      'Delivered',
      'Processing refund',
    ]);
    const table = await run('order', 'show', orderId);
    expect(table.stdout).toContain('arrived broken');
    expect(table.stdout).toContain('Processing refund');

    const unknown = newId('order');
    const missing = await run('order', 'show', unknown);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Order not found: ${unknown}`);
    const wrongKind = await run('order', 'show', newId('user'));
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toContain('must be a order id');
  });
});

describe('mvshop order refund', () => {
  it('a dry run of a cash refund says what it would change and changes no row; the real one refunds, restocks and is audited', async () => {
    const { orderId, productId } = await codOrderAwaitingRefund();
    await expectNoChange(async () => {
      const dry = await run('order', 'refund', orderId, '--reason', 'damaged in transit', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('Dry run');
      expect(dry.stdout).toContain('now "Refund Success"');
      expect(dry.stdout).toMatch(/│ orders\s+│ 0\s+│ 1\s+│ 0/);
      expect(dry.stdout).toMatch(/│ audit_log\s+│ 1\s+│/);
      expect(dry.stdout).toContain('nothing was changed');
    });

    const res = await run('order', 'refund', orderId, '--reason', 'damaged in transit', '--json', '--as', 'ops-ivan');
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toMatchObject({ _id: orderId, status: 'Refund Success', paymentInfo: { status: 'refunded' } });
    expect(res.json()).not.toHaveProperty('dryRun');
    expect(await one(`SELECT stock, sold_count FROM product_stock WHERE product_id = $1`, [productId])).toEqual({ stock: 5, sold_count: 0 });
    const audit = await sql.query(`SELECT actor, reason, details FROM audit_log WHERE action = 'order.refund' AND target = $1`, [orderId]);
    expect(audit.rows).toEqual([
      { actor: 'operator:ops-ivan', reason: 'damaged in transit', details: expect.objectContaining({ buyerReason: 'arrived broken', totalMinor: 6000 }) },
    ]);
    const ledger = await run('ledger', 'verify', '--json');
    expect(ledger.json().ok).toBe(true);

    const again = await run('order', 'refund', orderId, '--reason', 'twice');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has already been refunded');
  });

  it('a card refund: the dry run sends nothing to Stripe but names the call; the real one refunds the amount once', async () => {
    const { orderId, intentId } = await cardOrderAwaitingRefund();
    await expectNoChange(async () => {
      const dry = await run('order', 'refund', orderId, '--reason', 'customer service', '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      const body = dry.json();
      expect(body.status).toBe('Refund Success');
      expect(body.dryRun.calls).toEqual([`Stripe: refund 25.00 usd of payment ${intentId}`]);
      expect(body.dryRun.changes.map((c: any) => c.table)).toEqual(expect.arrayContaining(['audit_log', 'ledger_entries', 'orders', 'refunds']));
    });
    expect(stripe.refundsFor(intentId)).toHaveLength(0);

    const res = await run('order', 'refund', orderId, '--reason', 'customer service', '--yes');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Refunded order ${orderId}: 25.00 usd, now "Refund Success"`);
    expect(stripe.amountRefunded(intentId)).toBe(2500);
    expect(stripe.refundsFor(intentId)).toHaveLength(1);
  });

  it('without --reason and without a terminal: exit 2 naming --reason, and nothing changes; an order nobody asked to refund: exit 1', async () => {
    const { orderId } = await codOrderAwaitingRefund();
    await expectNoChange(async () => {
      const res = await run('order', 'refund', orderId);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("'--reason <text>'");
    });
    const shop = await signUpShop(app);
    const productId = await listProduct(shop.client, { stock: 2 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, productId, 1);
    const fresh = (await placeCodOrder(buyer.client)).body.orders[0]._id as string;
    const res = await run('order', 'refund', fresh, '--reason', 'operator whim');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('only an order in "Processing refund" can be refunded');
  });
});

describe('mvshop event and coupon', () => {
  it('event list --shop; delete (dry run first) takes the event off the storefront, audited; product restore brings it back', async () => {
    const shop = await signUpShop(app);
    const created = await shop.client.post('/event/create-event', {
      name: 'Flash Lanterns',
      description: 'Two days only.',
      category: 'Lighting',
      tags: 'flash',
      originalPrice: 40,
      stock: 8,
      images: [PNG_DATA_URL],
      start_Date: new Date(Date.now() - 3_600_000).toISOString(),
      finish_Date: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const eventId = created.body.event._id as string;

    const listed = await run('event', 'list', '--shop', shop.seller._id, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json()).toMatchObject({ total: 1, events: [{ _id: eventId, status: 'active', eventStatus: 'running' }] });

    await expectNoChange(async () => {
      const dry = await run('event', 'delete', eventId, '--reason', 'fake discount', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/│ products\s+│ 0\s+│ 1\s+│ 0/);
    });
    const deleted = await run('event', 'delete', eventId, '--reason', 'fake discount', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ event: { _id: eventId, shopId: shop.seller._id, name: 'Flash Lanterns' }, deleted: true, reason: 'fake discount' });
    const publicEvents = (await app.client().get(`/event/get-all-events/${shop.seller._id}`)).body.events;
    expect(publicEvents).toEqual([]);
    expect(await one(`SELECT actor, reason FROM audit_log WHERE action = 'listing.delete' AND target = $1`, [eventId])).toEqual({
      actor: 'operator:ops-olga',
      reason: 'fake discount',
    });
    expect((await run('event', 'delete', eventId, '--reason', 'again')).code).toBe(1);

    const restored = await run('product', 'restore', eventId, '--reason', 'seller proved the price');
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored event ${eventId}`);
    expect((await app.client().get(`/event/get-all-events/${shop.seller._id}`)).body.events.map((e: any) => e._id)).toEqual([eventId]);
    const notDeleted = await run('product', 'restore', eventId);
    expect(notDeleted.code).toBe(1);
    expect(notDeleted.stderr).toContain('Deleted event not found');
  });

  it('coupon list --shop --json; delete needs a reason, stops the code working and is audited', async () => {
    const shop = await signUpShop(app);
    const name = `OPS${Date.now().toString(36).toUpperCase()}`;
    const made = await shop.client.post('/coupon/create-coupon', { name, value: 15, usageLimit: 3 });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const couponId = made.body.couponCode._id as string;

    const listed = await run('coupon', 'list', '--shop', shop.seller._id, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json()).toEqual({ coupons: [expect.objectContaining({ _id: couponId, name, value: 15, usageLimit: 3, usedCount: 0 })], total: 1, page: 1, pages: 1 });
    const table = await run('coupon', 'list', '--shop', shop.seller._id);
    expect(table.stdout).toContain('0/3');

    const noReason = await run('coupon', 'delete', couponId);
    expect(noReason.code).toBe(2);
    const deleted = await run('coupon', 'delete', couponId, '--reason', 'leaked online');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted coupon ${couponId} (${name})`);
    expect((await app.client().get(`/coupon/get-coupon-value/${name}`)).body.couponCode).toBeNull();
    expect(await one(`SELECT actor, reason FROM audit_log WHERE action = 'coupon.delete' AND target = $1`, [couponId])).toEqual({
      actor: 'operator:ops-olga',
      reason: 'leaked online',
    });
  });
});

describe('mvshop product list', () => {
  it('filters by moderation status, shop and words', async () => {
    const shop = await signUpShop(app);
    const lamp = await listProduct(shop.client, { name: 'Brass Reading Lamp' });
    const mug = await listProduct(shop.client, { name: 'Stoneware Mug' });
    expect((await run('product', 'hide', mug, '--reason', 'copyright')).code).toBe(0);

    const hidden = await run('product', 'list', '--shop', shop.seller._id, '--status', 'hidden', '--json');
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.json().products.map((p: any) => p._id)).toEqual([mug]);
    const byWords = await run('product', 'list', '--shop', shop.seller._id, '--q', 'brass lam', '--json');
    expect(byWords.json().products.map((p: any) => p._id)).toEqual([lamp]);
    const table = await run('product', 'list', '--shop', shop.seller._id);
    expect(table.stdout).toContain('Brass Reading Lamp');
    expect(table.stdout).toContain('Page 1 of 1, 2 products.');
    expect((await run('product', 'list', '--status', 'gone')).code).toBe(2);
  });
});

describe('mvshop user show, promote and demote', () => {
  it('show --json; promote and demote change the role, are audited, and refuse a no-op; a dry run changes nothing', async () => {
    const buyer = await signUpUser(app, { name: 'Pat Promoted' });
    const id = buyer.user._id as string;
    const shown = await run('user', 'show', id, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ _id: id, email: buyer.email, role: 'User', bannedAt: null, deletedAt: null, orders: { count: 0, totalMinor: 0 } });
    expect(shown.json()).not.toHaveProperty('passwordHash');

    await expectNoChange(async () => {
      const dry = await run('user', 'promote', id, '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json()).toMatchObject({ user: { role: 'Admin' }, dryRun: { calls: [] } });
    });
    const promoted = await run('user', 'promote', id, '--reason', 'joins support');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await one(`SELECT role FROM users WHERE id = $1`, [id])).role).toBe('Admin');
    // The promoted account's session is an admin one (this session had not been read before, so nothing was cached).
    expect((await buyer.client.get('/order/admin-all-orders')).status).toBe(200);
    const twice = await run('user', 'promote', id);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('is already an Admin');

    const demoted = await run('user', 'demote', id, '--reason', 'left support', '--json');
    expect(demoted.code, demoted.stderr).toBe(0);
    expect(demoted.json().user.role).toBe('User');
    // The API process reads the new role once its session cache (SESSION_CACHE_MS, 1 s) lets go of the old one.
    await vi.waitFor(async () => expect((await buyer.client.get('/order/admin-all-orders')).status).toBe(403), { timeout: 5_000 });
    const audit = await sql.query(`SELECT action, reason FROM audit_log WHERE target = $1 ORDER BY seq`, [id]);
    expect(audit.rows).toEqual([
      { action: 'user.promote-admin', reason: 'joins support' },
      { action: 'user.demote-admin', reason: 'left support' },
    ]);
  });
});

describe('mvshop shop show and balance', () => {
  it('after a paid card order the balance shows the net as pending; show has the standing and counts', async () => {
    const { shop } = await cardOrderAwaitingRefund();
    const id = shop.seller._id as string;
    const balance = await run('shop', 'balance', id, '--json');
    expect(balance.code, balance.stderr).toBe(0);
    expect(balance.json()).toMatchObject({ shopId: id, balance: { pending: 22.5, available: 0, onHold: 0, paidOut: 0, currency: 'usd' } });
    const table = await run('shop', 'balance', id);
    expect(table.stdout).toMatch(/│ pending\s+│ 22\.50/);

    const shown = await run('shop', 'show', id, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({
      _id: id,
      feeBps: 1000,
      bannedAt: null,
      listings: { products: 1, events: 0 },
      orders: { count: 1, totalMinor: 2500 },
      balances: { pendingMinor: 2250, availableMinor: 0 },
    });
    expect(shown.json()).not.toHaveProperty('passwordHash');
    expect((await run('shop', 'balance', newId('shop'))).code).toBe(1);
  });
});

describe('--dry-run on the state-changing commands that existed before', () => {
  it('user and shop ban/unban, product approve/reject/hide, create-admin, catalog seed and payments reconcile change nothing', async () => {
    const buyer = await signUpUser(app);
    const shop = await signUpShop(app);
    const [active, hidden, pending] = [await listProduct(shop.client), await listProduct(shop.client), await listProduct(shop.client)];
    expect((await run('product', 'hide', hidden, '--reason', 'blurry photos')).code).toBe(0);
    await sql.query(`UPDATE products SET status = 'pending' WHERE id = $1`, [pending]);
    await expectNoChange(async () => {
      const runs = [
        ['user', 'ban', buyer.user._id, '--reason', 'spam'],
        ['user', 'unban', buyer.user._id],
        ['shop', 'ban', shop.seller._id, '--reason', 'fraud'],
        ['shop', 'unban', shop.seller._id],
        ['product', 'hide', active, '--reason', 'check'],
        ['product', 'reject', pending, '--reason', 'check'],
        ['product', 'approve', hidden],
        ['user', 'create-admin', '--email', 'dry.admin@example.com', '--name', 'Dry Admin', '--password', 'correct-horse-9'],
        ['catalog', 'seed', '--shops', '1', '--products', '3'],
        ['payments', 'reconcile'],
        ['outbox', 'drain'],
      ];
      for (const args of runs) {
        const res = await run(...args, '--dry-run', '--json');
        expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
        expect(res.json(), args.join(' ')).toHaveProperty('dryRun');
      }
    });
    // The checks are the real ones: a dry run of what the real run would refuse is refused the same way.
    const refused = await run('product', 'reject', active, '--reason', 'check', '--dry-run');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Cannot reject a listing that is active');
    const seeded = await run('catalog', 'seed', '--shops', '1', '--products', '3', '--dry-run');
    expect(seeded.stdout).toMatch(/│ products\s+│ 3\s+│/);
    expect(seeded.stdout).toMatch(/│ shops\s+│ 1\s+│/);
  });
});

describe('confirmation on a terminal', () => {
  it('a change asks first: "no" changes nothing (exit 1), "yes" makes it; --yes and --dry-run do not ask', async () => {
    const shop = await signUpShop(app);
    const productId = await listProduct(shop.client);
    const prompt = `Hide listing ${productId} from buyers?`;
    const args = ['product', 'hide', productId, '--reason', 'asked on a terminal'];
    await expectNoChange(async () => {
      const no = await mvshopOnTerminal(args, { cwd, env, prompt, keys: 'n\r' });
      expect(no.code, no.output).toBe(1);
      expect(no.output).toContain('Cancelled: nothing was changed');
    });
    const yes = await mvshopOnTerminal(args, { cwd, env, prompt, keys: 'y\r' });
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain(`product ${productId}: active → hidden`);
    expect((await one(`SELECT status FROM products WHERE id = $1`, [productId])).status).toBe('hidden');

    const unasked = await mvshopOnTerminal(['product', 'approve', productId, '--dry-run'], { cwd, env, prompt: 'never shown', keys: '' });
    expect(unasked.code, unasked.output).toBe(0);
    expect(unasked.output).not.toContain('?');
    expect(unasked.output).toContain('Dry run: rolled back');
    const forced = await mvshopOnTerminal(['product', 'approve', productId, '--yes'], { cwd, env, prompt: 'never shown', keys: '' });
    expect(forced.code, forced.output).toBe(0);
    expect(forced.output).not.toContain('?');
    expect((await one(`SELECT status FROM products WHERE id = $1`, [productId])).status).toBe('active');
  });
});

describe('mvshop stats', () => {
  it('--since counts only what happened since: GMV, orders by status, fees, top shop and product, outbox health', async () => {
    const since = new Date().toISOString();
    const shop = await signUpShop(app, { name: 'Stats Shop' });
    const productId = await listProduct(shop.client, { name: 'Counted Candle', originalPrice: 12.5, stock: 9 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, productId, 4);
    const orderId = (await placeCodOrder(buyer.client)).body.orders[0]._id as string;
    await deliver(shop.client, orderId);

    const res = await run('stats', '--since', since, '--json');
    expect(res.code, res.stderr).toBe(0);
    const s = res.json();
    expect(s).toMatchObject({
      since,
      currency: 'usd',
      gmvMinor: 5000,
      orders: { count: 1, byStatus: [{ status: 'Delivered', count: 1, totalMinor: 5000 }] },
      refunds: { count: 0, amountMinor: 0, unconfirmed: 0 },
      platformFeesMinor: 500,
      topShops: [{ shopId: shop.seller._id, name: 'Stats Shop', orders: 1, gmvMinor: 5000 }],
      topProducts: [{ productId, name: 'Counted Candle', units: 4, revenueMinor: 5000 }],
      outbox: { dead: 0 },
    });
    const table = await run('stats', '--since', since);
    expect(table.stdout).toContain('50.00 usd');
    expect(table.stdout).toContain('Counted Candle');
    expect((await run('stats', '--since', 'last tuesday')).code).toBe(2);
  });
});

describe('help', () => {
  it('each group’s --help shows an example for every one of its commands', async () => {
    const groups = {
      order: ['list', 'show', 'refund'],
      event: ['list', 'delete'],
      coupon: ['list', 'delete'],
      product: ['list', 'approve', 'reject', 'hide', 'restore'],
      user: ['create-admin', 'ban', 'unban', 'show', 'promote', 'demote'],
      shop: ['ban', 'unban', 'show', 'balance'],
      audit: ['list', 'verify'],
    };
    for (const [group, verbs] of Object.entries(groups)) {
      const res = await run(group, '--help');
      expect(res.code).toBe(0);
      for (const verb of verbs) expect(res.stdout, `${group} ${verb}`).toContain(`$ mvshop ${group} ${verb}`);
    }
    const stats = await run('stats', '--help');
    expect(stats.stdout).toContain('$ mvshop stats --since');
  });
});
