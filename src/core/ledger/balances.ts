import { inArray, like } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { ledgerBalances } from '../db/schema/commerce.ts';
import { minorToMajor } from '../shared/money.ts';
import { shopAccount, shopAccounts, type ShopStage } from './accounts.ts';

export interface ShopBalances {
  pendingMinor: number;
  availableMinor: number;
  heldMinor: number;
  paidOutMinor: number;
}

/** A seller's balances by stage. With `forUpdate`, locks them (in account order) for a money move. */
export async function shopBalances(ctx: Ctx, shopId: string, opts: { forUpdate?: boolean } = {}): Promise<ShopBalances> {
  let query = ctx.db
    .select({ account: ledgerBalances.account, balance: ledgerBalances.balanceMinor })
    .from(ledgerBalances)
    .where(inArray(ledgerBalances.account, shopAccounts(shopId)))
    .orderBy(ledgerBalances.account)
    .$dynamic();
  if (opts.forUpdate) query = query.for('update');
  const rows = await query;
  const byName = new Map(rows.map((r) => [r.account, r.balance]));
  return {
    pendingMinor: byName.get(shopAccount.pending(shopId)) ?? 0,
    availableMinor: byName.get(shopAccount.available(shopId)) ?? 0,
    heldMinor: byName.get(shopAccount.held(shopId)) ?? 0,
    paidOutMinor: byName.get(shopAccount.paidOut(shopId)) ?? 0,
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

/** One stage's stored balance for every shop that has the account (ledger checks). */
export async function stageBalances(ctx: Ctx, stage: ShopStage): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({ account: ledgerBalances.account, balance: ledgerBalances.balanceMinor })
    .from(ledgerBalances)
    .where(like(ledgerBalances.account, `shop:%:${stage}`));
  return new Map(rows.map((r) => [r.account.split(':')[1]!, r.balance]));
}

/**
 * A seller's balances as the API shows them: major units, with the currency. A negative available
 * balance (refunds after settlement) shows as `available: 0` and a `debt`; later settlements repay it.
 */
export const balanceDto = z.object({
  pending: z.number(),
  available: z.number(),
  onHold: z.number(),
  paidOut: z.number(),
  debt: z.number(),
  currency: z.string(),
});
export type BalanceDto = z.infer<typeof balanceDto>;

export function toBalanceDto(b: ShopBalances, currency: string): BalanceDto {
  return {
    pending: minorToMajor(b.pendingMinor),
    available: minorToMajor(Math.max(b.availableMinor, 0)),
    onHold: minorToMajor(b.heldMinor),
    paidOut: minorToMajor(b.paidOutMinor),
    debt: minorToMajor(Math.max(-b.availableMinor, 0)),
    currency,
  };
}
export async function shopBalanceDto(ctx: Ctx, shopId: string): Promise<BalanceDto> {
  return toBalanceDto(await shopBalances(ctx, shopId), ctx.config.currency);
}
