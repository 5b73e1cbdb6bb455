import { asc, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { shops } from '../db/schema/index.ts';
import { withdrawals } from '../db/schema/withdrawals.ts';
import { availableBalances, shopBalanceDto } from '../ledger/index.ts';
import { forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { toWithdrawalDto } from './dto.ts';

/** One withdrawal with its shop's balances as they are now: for the seller it belongs to, or an admin deciding on it. */
export async function getWithdrawal(ctx: Ctx, rawId: unknown) {
  const a = ctx.actor;
  if (a.kind !== 'shop' && !isAdmin(a)) throw forbidden('Only sellers (their own) and admins can see a withdrawal');
  const id = parseInput(idSchema('withdrawal'), rawId);
  const [row] = await ctx.db
    .select({ w: withdrawals, shopName: shops.name })
    .from(withdrawals)
    .innerJoin(shops, eq(shops.id, withdrawals.shopId))
    .where(eq(withdrawals.id, id));
  // Another seller's withdrawal is "not found", so ids cannot be probed.
  if (!row || (a.kind === 'shop' && row.w.shopId !== a.id)) throw notFound('Withdrawal');
  return { ...toWithdrawalDto(row.w, row.shopName), shopBalance: await shopBalanceDto(ctx, row.w.shopId) };
}

export const pendingWithdrawalsInput = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/**
 * The approval queue, oldest first, each with its shop's available balance and debt now (a shop in
 * debt after refunds may deserve a second look before being paid). `total` and `totalAmount` cover
 * the whole queue, not only the rows returned.
 */
export async function pendingWithdrawals(ctx: Ctx, raw: unknown = {}) {
  if (!isAdmin(ctx.actor)) throw forbidden('Only an admin or an operator can review pending withdrawals');
  const { limit } = parseInput(pendingWithdrawalsInput, raw);
  const processing = eq(withdrawals.status, 'Processing');
  const [rows, [sum]] = await Promise.all([
    ctx.db
      .select({ w: withdrawals, shopName: shops.name })
      .from(withdrawals)
      .innerJoin(shops, eq(shops.id, withdrawals.shopId))
      .where(processing)
      .orderBy(asc(withdrawals.createdAt), asc(withdrawals.id))
      .limit(limit),
    ctx.db
      .select({ total: count(), amountMinor: sql<number>`coalesce(sum(${withdrawals.amountMinor}), 0)`.mapWith(Number) })
      .from(withdrawals)
      .where(processing),
  ]);
  const available = await availableBalances(ctx, [...new Set(rows.map((r) => r.w.shopId))]);
  return {
    total: sum?.total ?? 0,
    totalAmount: minorToMajor(sum?.amountMinor ?? 0),
    currency: ctx.config.currency,
    withdraws: rows.map((r) => {
      const availableMinor = available.get(r.w.shopId) ?? 0;
      return {
        ...toWithdrawalDto(r.w, r.shopName),
        shopBalance: { available: minorToMajor(Math.max(availableMinor, 0)), debt: minorToMajor(Math.max(-availableMinor, 0)) },
      };
    }),
  };
}
