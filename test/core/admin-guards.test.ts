import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, verifyAudit } from '../../src/core/audit/index.ts';
import { adminListEvents, adminListProducts, deleteEvent, restoreListing } from '../../src/core/catalog/index.ts';
import type { Actor } from '../../src/core/context.ts';
import { deleteCoupon, listAllCoupons } from '../../src/core/coupons/index.ts';
import { marketplaceStats } from '../../src/core/flows/index.ts';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { shopStatement, shopTransactions } from '../../src/core/ledger/index.ts';
import { listAllOrders } from '../../src/core/orders/index.ts';
import { newId } from '../../src/core/shared/ids.ts';
import { getShopBalance, setShopBan, showShop } from '../../src/core/shops/index.ts';
import { setUserBan, setUserRole, showUser } from '../../src/core/users/index.ts';
import { approveWithdrawal, getWithdrawal, pendingWithdrawals } from '../../src/core/withdrawals/index.ts';
import { createTestDatabase } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let core: Core;
beforeAll(async () => {
  db = await createTestDatabase();
  core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }), { poolSize: 2 });
});
afterAll(async () => {
  await core?.close();
  await db?.drop();
});

const buyer: Actor = { kind: 'user', id: newId('user'), role: 'User' };
const shop: Actor = { kind: 'shop', id: newId('shop') };

// Who may act is checked in core, so the CLI, the API and the worker all meet the same rule.
describe('admin and operator use cases refuse buyers and shops with FORBIDDEN, before reading anything', () => {
  const calls: [string, (actor: Actor) => Promise<unknown>][] = [
    ['listAllOrders', (a) => listAllOrders(core.ctx(a), {})],
    ['listAllCoupons', (a) => listAllCoupons(core.ctx(a), {})],
    ['adminListProducts', (a) => adminListProducts(core.ctx(a), {})],
    ['adminListEvents', (a) => adminListEvents(core.ctx(a), {})],
    ['restoreListing', (a) => restoreListing(core.ctx(a), { id: newId('product') })],
    ['showUser', (a) => showUser(core.ctx(a), newId('user'))],
    ['setUserRole', (a) => setUserRole(core.ctx(a), newId('user'), 'Admin')],
    ['setUserBan', (a) => setUserBan(core.ctx(a), newId('user'), true, 'x')],
    ['showShop', (a) => showShop(core.ctx(a), newId('shop'))],
    ['setShopBan', (a) => setShopBan(core.ctx(a), newId('shop'), true, 'x')],
    ['marketplaceStats', (a) => marketplaceStats(core.ctx(a), {})],
    ['listAudit', (a) => listAudit(core.ctx(a), {})],
    ['verifyAudit', (a) => verifyAudit(core.ctx(a))],
    ['pendingWithdrawals', (a) => pendingWithdrawals(core.ctx(a), {})],
    ['approveWithdrawal', (a) => approveWithdrawal(core.ctx(a), { id: newId('withdrawal') })],
  ];
  it.each(calls)('%s', async (_name, call) => {
    for (const actor of [buyer, shop]) await expect(call(actor)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('what a shop may do to its own things and an operator to anyone’s', () => {
  it('a shop sees only its own balance; an operator sees any shop’s (404 for one that does not exist)', async () => {
    await expect(getShopBalance(core.ctx(shop), newId('shop'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(getShopBalance(core.ctx({ kind: 'operator', name: 'o' }), newId('shop'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a shop reads only its own books and withdrawals; a buyer none; an operator any shop’s (404 for one that does not exist)', async () => {
    const other = newId('shop');
    for (const actor of [shop, buyer]) {
      await expect(shopTransactions(core.ctx(actor), other, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(shopStatement(core.ctx(actor), other, { month: '2030-01' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(getWithdrawal(core.ctx(buyer), newId('withdrawal'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(getWithdrawal(core.ctx(shop), newId('withdrawal'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const operator = core.ctx({ kind: 'operator', name: 'o' });
    await expect(shopTransactions(operator, other, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(shopStatement(operator, other, { month: '2030-01' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(shopTransactions(operator, 'not-a-shop', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('an operator must give a reason to delete an event or a coupon; a buyer may delete neither', async () => {
    const operator = core.ctx({ kind: 'operator', name: 'o' });
    await expect(deleteEvent(operator, newId('event'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { reason: 'is required' } } });
    await expect(deleteCoupon(operator, newId('coupon'), '  ')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(deleteCoupon(core.ctx(buyer), newId('coupon'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(deleteEvent(core.ctx(buyer), newId('event'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an admin cannot demote themself', async () => {
    const admin: Actor = { kind: 'user', id: newId('user'), role: 'Admin' };
    await expect(setUserRole(core.ctx(admin), admin.id, 'User')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
