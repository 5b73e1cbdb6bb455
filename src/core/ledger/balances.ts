import { inArray } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { ledgerBalances } from '../db/schema/commerce.ts';
import { minorToMajor } from '../shared/money.ts';
import { shopAccount } from './accounts.ts';

export interface ShopBalances {
  pendingMinor: number;
  availableMinor: number;
  heldMinor: number;
  paidOutMinor: number;
}

/** A seller's balances by stage. With `forUpdate`, locks them (in account order) for a money move. */
export async function shopBalances(ctx: Ctx, shopId: string, opts: { forUpdate?: boolean } = {}): Promise<ShopBalances> {
  const names = {
    pendingMinor: shopAccount.pending(shopId),
    availableMinor: shopAccount.available(shopId),
    heldMinor: shopAccount.held(shopId),
    paidOutMinor: shopAccount.paidOut(shopId),
  };
  const accounts = Object.values(names).sort();
  let query = ctx.db
    .select({ account: ledgerBalances.account, balance: ledgerBalances.balanceMinor })
    .from(ledgerBalances)
    .where(inArray(ledgerBalances.account, accounts))
    .orderBy(ledgerBalances.account)
    .$dynamic();
  if (opts.forUpdate) query = query.for('update');
  const rows = await query;
  const byName = new Map(rows.map((r) => [r.account, r.balance]));
  return {
    pendingMinor: byName.get(names.pendingMinor) ?? 0,
    availableMinor: byName.get(names.availableMinor) ?? 0,
    heldMinor: byName.get(names.heldMinor) ?? 0,
    paidOutMinor: byName.get(names.paidOutMinor) ?? 0,
  };
}

/** Available balance of many shops at once (admin lists). */
export async function availableBalances(ctx: Ctx, shopIds: string[]): Promise<Map<string, number>> {
  if (shopIds.length === 0) return new Map();
  const rows = await ctx.db
    .select({ account: ledgerBalances.account, balance: ledgerBalances.balanceMinor })
    .from(ledgerBalances)
    .where(inArray(ledgerBalances.account, shopIds.map(shopAccount.available)));
  return new Map(rows.map((r) => [r.account.split(':')[1]!, r.balance]));
}

/** A seller's balances as the API shows them: major units, with the currency. */
export async function shopBalanceDto(ctx: Ctx, shopId: string) {
  const b = await shopBalances(ctx, shopId);
  return {
    pending: minorToMajor(b.pendingMinor),
    available: minorToMajor(b.availableMinor),
    onHold: minorToMajor(b.heldMinor),
    paidOut: minorToMajor(b.paidOutMinor),
    currency: ctx.config.currency,
  };
}
