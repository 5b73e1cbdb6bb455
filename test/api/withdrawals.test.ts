import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { approveWithdrawal, listWithdrawals, rejectWithdrawal, requestWithdrawal } from '../../src/core/withdrawals/index.ts';
import { DAY, testClock } from '../helpers/clock.ts';
import { balances } from '../helpers/commerce.ts';
import { signUpAdmin, signUpUser } from '../helpers/factories.ts';
import type { FakeStripe } from '../helpers/fake-stripe.ts';
import { BANK, type CardApp, deliveredOrder, expectBooksClean, sellerWithBank, settleAll, startCardApp } from '../helpers/money.ts';

const OPS = 'ops@mvshop.example';
const FULL = BANK.bankAccountNumber;
const MASKED = `****${FULL.slice(-4)}`;
const clock = testClock(Date.UTC(2030, 2, 1, 9));
const logLines: string[] = [];
let app: CardApp;
let stripe: FakeStripe;
let admin: Awaited<ReturnType<typeof signUpAdmin>>;
let buyer: Awaited<ReturnType<typeof signUpUser>>;

beforeAll(async () => {
  app = await startCardApp({
    clock,
    log: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    env: { OPS_EMAIL: OPS },
  });
  stripe = app.stripe;
  admin = await signUpAdmin(app);
  buyer = await signUpUser(app);
});
afterAll(() => app?.close());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const account = async (shopId: string, stage: string) => (await balances(app))[`shop:${shopId}:${stage}`] ?? 0;

/** The full account number appears nowhere in a response body; the masked one does where a method is shown. */
function expectMasked(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toContain(FULL);
  expect(text).not.toContain(FULL.slice(0, 8));
  expect(text).toContain(MASKED);
}

/** A seller whose available balance is `price` less 10 % commission, settled. */
async function sellerWithAvailable(price: number) {
  const seller = await sellerWithBank(app, price);
  await deliveredOrder(buyer.client, stripe, seller);
  await settleAll(app, new Date(clock.now().getTime() + 7 * DAY));
  return seller;
}

describe('POST /withdraw/create-withdraw-request', () => {
  it('holds the amount, records the bank account masked, and emails the seller and the operations address', async () => {
    const seller = await sellerWithAvailable(200);
    const res = await seller.client.post('/withdraw/create-withdraw-request', { amount: 120.5, sellerId: 'shop_someone_else', status: 'succeed' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const w = res.body.withdraw;
    expect(w).toMatchObject({ seller: { _id: seller.id, name: 'Corner Shop' }, amount: 120.5, currency: 'usd', status: 'Processing', reason: null, decidedBy: null });
    expect(w._id).toMatch(/^wd_/);
    expect(w.withdrawMethod).toEqual({ ...BANK, bankAccountNumber: MASKED });
    expectMasked(res.body);
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 59.5, onHold: 120.5, paidOut: 0, debt: 0 });
    const [row] = await rows<{ method: { bankAccountNumber: string } }>(sql`SELECT method FROM withdrawals WHERE id = ${w._id}`);
    expect(row!.method.bankAccountNumber).toBe(FULL);

    const toSeller = await app.mail.waitFor(seller.email, (m) => m.subject === `Withdrawal ${w._id} requested`);
    expect(toSeller.text).toContain('120.50 USD');
    expect(toSeller.text).toContain(MASKED);
    expect(toSeller.text).not.toContain(FULL);
    const toOps = await app.mail.waitFor(OPS, (m) => m.subject === `Withdrawal ${w._id} waits for approval`);
    expect(toOps.text).toContain(seller.id);
    expect(toOps.text).not.toContain(FULL);
    await expectBooksClean(app);
  });

  it('refuses, naming the problem and moving nothing: below WITHDRAW_MIN (400), bad amounts (400), above available (422), no bank account (409)', async () => {
    const seller = await sellerWithAvailable(100);
    for (const amount of [49.99, -60, 'lots', 60.001, 0]) {
      const res = await seller.client.post('/withdraw/create-withdraw-request', { amount });
      expect(res.status, `${amount}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.fields).toHaveProperty('amount');
    }
    const small = await seller.client.post('/withdraw/create-withdraw-request', { amount: 49.99 });
    expect(small.body.message).toMatch(/smallest withdrawal is 50\.00/);
    const tooMuch = await seller.client.post('/withdraw/create-withdraw-request', { amount: 90.01 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: 'Only 90.00 usd is available to withdraw' });
    expect((await seller.client.delete('/shop/delete-withdraw-method')).status).toBe(200);
    const noBank = await seller.client.post('/withdraw/create-withdraw-request', { amount: 60 });
    expect(noBank.status).toBe(409);
    expect(noBank.body.message).toMatch(/bank account/);
    expect(await rows(sql`SELECT id FROM withdrawals WHERE shop_id = ${seller.id}`)).toEqual([]);
    expect(await account(seller.id, 'available')).toBe(9000);
  });

  it('twenty parallel requests against a balance that covers three give exactly three Processing withdrawals and 422 for the rest', async () => {
    const seller = await sellerWithAvailable(200);
    const results = await Promise.all(Array.from({ length: 20 }, () => seller.client.post('/withdraw/create-withdraw-request', { amount: 50 })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 422)).toHaveLength(17);
    for (const r of results.filter((x) => x.status === 422)) expect(r.body.message).toBe('Only 30.00 usd is available to withdraw');
    const made = await rows<{ status: string }>(sql`SELECT status FROM withdrawals WHERE shop_id = ${seller.id}`);
    expect(made).toEqual([{ status: 'Processing' }, { status: 'Processing' }, { status: 'Processing' }]);
    expect(await account(seller.id, 'available')).toBe(3000);
    expect(await account(seller.id, 'held')).toBe(15000);
    await expectBooksClean(app);
  });
});

describe('approving and rejecting', () => {
  async function processing(price = 100, amount = 60) {
    const seller = await sellerWithAvailable(price);
    const res = await seller.client.post('/withdraw/create-withdraw-request', { amount });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { seller, id: res.body.withdraw._id as string };
  }

  it('approval pays out once: held → paid out, who and when recorded, audited, the seller emailed; the answer carries withdraw and withdraws', async () => {
    const { seller, id } = await processing();
    clock.advance(3_600_000);
    const res = await admin.client.put(`/withdraw/update-withdraw-request/${id}`, { sellerId: 'shop_ignored' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.withdraw).toMatchObject({ _id: id, status: 'succeed', decidedBy: admin.user._id, decidedAt: clock.now().toISOString() });
    expect(res.body.withdraws.map((w: { _id: string }) => w._id)).toContain(id);
    expectMasked(res.body.withdraw);
    expect(JSON.stringify(res.body.withdraws)).not.toContain(FULL);
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 30, onHold: 0, paidOut: 60 });
    const audit = await rows(sql`SELECT actor, action, reason FROM audit_log WHERE target = ${id}`);
    expect(audit).toEqual([{ actor: admin.user._id, action: 'withdrawal.approve', reason: null }]);
    const mail = await app.mail.waitFor(seller.email, (m) => m.subject === `Withdrawal ${id} approved`);
    expect(mail.text).toContain('60.00 USD');
    expect(mail.text).toContain(MASKED);
    await expectBooksClean(app);
  });

  it('two concurrent approvals: one succeeds, the other is 409 and moves nothing', async () => {
    const { seller, id } = await processing();
    const results = await Promise.all([
      admin.client.put(`/withdraw/update-withdraw-request/${id}`),
      admin.client.put(`/withdraw/update-withdraw-request/${id}`),
      approveWithdrawal(app.core.ctx({ kind: 'operator', name: 'ops' }), { id }).then(
        () => ({ status: 200 }),
        (err: { code: string }) => ({ status: err.code === 'INVALID_STATE' ? 409 : 500 }),
      ),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await rows(sql`SELECT id FROM ledger_journals WHERE kind = 'withdrawal-paid' AND ref = ${id}`)).toHaveLength(1);
    expect(await account(seller.id, 'paid_out')).toBe(6000);
    expect(await account(seller.id, 'held')).toBe(0);
    expect(await rows(sql`SELECT id FROM audit_log WHERE target = ${id}`)).toHaveLength(1);
  });

  it('rejection needs a reason, releases the money to available, is audited and tells the seller why', async () => {
    const { seller, id } = await processing();
    const noReason = await admin.client.put(`/withdraw/reject-withdraw-request/${id}`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.fields).toHaveProperty('reason');
    const blank = await admin.client.put(`/withdraw/reject-withdraw-request/${id}`, { reason: '   ' });
    expect(blank.status).toBe(400);
    const res = await admin.client.put(`/withdraw/reject-withdraw-request/${id}`, { reason: 'Account holder does not match the shop' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.withdraw).toMatchObject({ status: 'rejected', reason: 'Account holder does not match the shop', decidedBy: admin.user._id });
    expectMasked(res.body);
    expect((await seller.client.get('/shop/balance')).body.balance).toMatchObject({ available: 90, onHold: 0, paidOut: 0 });
    const audit = await rows(sql`SELECT action, reason FROM audit_log WHERE target = ${id}`);
    expect(audit).toEqual([{ action: 'withdrawal.reject', reason: 'Account holder does not match the shop' }]);
    const mail = await app.mail.waitFor(seller.email, (m) => m.subject === `Withdrawal ${id} rejected`);
    expect(mail.text).toContain('Account holder does not match the shop');
    await expectBooksClean(app);
  });

  it('approve after reject and reject after approve are 409 and move nothing', async () => {
    const rejected = await processing();
    expect((await admin.client.put(`/withdraw/reject-withdraw-request/${rejected.id}`, { reason: 'no' })).status).toBe(200);
    const late = await admin.client.put(`/withdraw/update-withdraw-request/${rejected.id}`);
    expect(late.status).toBe(409);
    expect(late.body.message).toBe(`Withdrawal ${rejected.id} was already rejected`);
    expect(await account(rejected.seller.id, 'paid_out')).toBe(0);

    const approved = await processing();
    expect((await admin.client.put(`/withdraw/update-withdraw-request/${approved.id}`)).status).toBe(200);
    const back = await admin.client.put(`/withdraw/reject-withdraw-request/${approved.id}`, { reason: 'changed my mind' });
    expect(back.status).toBe(409);
    expect(back.body.message).toBe(`Withdrawal ${approved.id} was already approved and paid out`);
    expect(await account(approved.seller.id, 'available')).toBe(3000);
    expect(await account(approved.seller.id, 'paid_out')).toBe(6000);
    await expectBooksClean(app);
  });

  it('an unknown or malformed withdrawal id is 404 or 400', async () => {
    expect((await admin.client.put('/withdraw/update-withdraw-request/wd_00000000000000000000000000')).status).toBe(404);
    expect((await admin.client.put('/withdraw/update-withdraw-request/ord_00000000000000000000000000')).status).toBe(400);
    expect((await admin.client.put('/withdraw/reject-withdraw-request/nope', { reason: 'x' })).status).toBe(400);
  });
});

describe('who may act', () => {
  it('sellers and buyers cannot list all, approve or reject (401 without a user session, 403 without the admin role); anonymous callers get 401 everywhere', async () => {
    const { seller, id } = await (async () => {
      const s = await sellerWithAvailable(100);
      const r = await s.client.post('/withdraw/create-withdraw-request', { amount: 50 });
      return { seller: s, id: r.body.withdraw._id as string };
    })();
    const anonymous = app.client();
    for (const [method, path] of [
      ['GET', '/withdraw/get-all-withdraw-request'],
      ['PUT', `/withdraw/update-withdraw-request/${id}`],
      ['PUT', `/withdraw/reject-withdraw-request/${id}`],
    ] as const) {
      const body = method === 'PUT' ? { json: { reason: 'x' } } : {};
      expect((await seller.client.request(method, path, body)).status).toBe(401);
      expect((await buyer.client.request(method, path, body)).status).toBe(403);
      expect((await anonymous.request(method, path, body)).status).toBe(401);
    }
    expect((await buyer.client.post('/withdraw/create-withdraw-request', { amount: 50 })).status).toBe(401);
    expect((await buyer.client.get('/withdraw/my-withdraw-requests')).status).toBe(401);
    expect((await anonymous.post('/withdraw/create-withdraw-request', { amount: 50 })).status).toBe(401);
    const [row] = await rows<{ status: string }>(sql`SELECT status FROM withdrawals WHERE id = ${id}`);
    expect(row!.status).toBe('Processing');
  });

  it('a seller lists only their own withdrawals, whatever shop filter they send; an admin filters by status and shop', async () => {
    const mine = await sellerWithAvailable(100);
    const theirs = await sellerWithAvailable(100);
    const a = await mine.client.post('/withdraw/create-withdraw-request', { amount: 50 });
    const b = await theirs.client.post('/withdraw/create-withdraw-request', { amount: 55 });
    const list = await mine.client.get(`/withdraw/my-withdraw-requests?shop=${theirs.id}`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, pages: 1 });
    expect(list.body.withdraws.map((w: { _id: string }) => w._id)).toEqual([a.body.withdraw._id]);
    expectMasked(list.body);
    const all = await admin.client.get(`/withdraw/get-all-withdraw-request?status=Processing&shop=${theirs.id}`);
    expect(all.body.withdraws.map((w: { _id: string }) => w._id)).toEqual([b.body.withdraw._id]);
    expectMasked(all.body);
    const everyone = await admin.client.get('/withdraw/get-all-withdraw-request?status=Processing&limit=100');
    expect(everyone.body.withdraws.map((w: { _id: string }) => w._id)).toEqual(expect.arrayContaining([a.body.withdraw._id, b.body.withdraw._id]));
    expect(JSON.stringify(everyone.body)).not.toContain(FULL);
    expect((await admin.client.get('/withdraw/get-all-withdraw-request?status=Done')).status).toBe(400);
  });

  it('in core, the same rules hold for any caller: only a seller requests, only an admin or operator decides or lists everyone', async () => {
    const shop = app.core.ctx({ kind: 'shop', id: 'shop_00000000000000000000000000' });
    const user = app.core.ctx({ kind: 'user', id: 'usr_00000000000000000000000000', role: 'User' });
    const id = 'wd_00000000000000000000000000';
    await expect(requestWithdrawal(user, { amount: 50 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(requestWithdrawal(app.core.ctx({ kind: 'operator', name: 'ops' }), { amount: 50 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(approveWithdrawal(shop, { id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(rejectWithdrawal(user, { id, reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(approveWithdrawal(app.core.ctx({ kind: 'system', name: 'worker' }), { id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listWithdrawals(user, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listWithdrawals(app.core.ctx({ kind: 'operator', name: 'ops' }), {})).resolves.toMatchObject({ page: 1 });
  });
});

describe('logs', () => {
  it('never carry the full account number', async () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(FULL);
  });
});
