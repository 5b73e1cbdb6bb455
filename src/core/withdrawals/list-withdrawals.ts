import { and, count, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { shops } from '../db/schema/index.ts';
import { withdrawals, withdrawalStatuses } from '../db/schema/withdrawals.ts';
import { forbidden } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { toWithdrawalDto, type WithdrawalDto } from './dto.ts';

export const listWithdrawalsInput = pageInput.extend({
  status: z.enum(withdrawalStatuses, { message: `must be one of: ${withdrawalStatuses.join(', ')}` }).optional(),
  shop: idSchema('shop').optional(),
});

/**
 * Withdrawals newest first, optionally by status. A seller sees only their own (a `shop` filter
 * cannot widen that); an admin or operator sees every shop's, or one shop's with `shop`.
 */
export async function listWithdrawals(ctx: Ctx, raw: unknown): Promise<Page & { withdraws: WithdrawalDto[] }> {
  const a = ctx.actor;
  if (a.kind !== 'shop' && !isAdmin(a)) throw forbidden('Only sellers (their own) and admins can list withdrawals');
  const input = parseInput(listWithdrawalsInput, raw);
  const shopId = a.kind === 'shop' ? a.id : input.shop;
  const where = and(shopId ? eq(withdrawals.shopId, shopId) : undefined, input.status ? eq(withdrawals.status, input.status) : undefined);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db
      .select({ w: withdrawals, shopName: shops.name })
      .from(withdrawals)
      .innerJoin(shops, eq(shops.id, withdrawals.shopId))
      .where(where)
      .orderBy(desc(withdrawals.createdAt), desc(withdrawals.id))
      .limit(input.limit)
      .offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(withdrawals).where(where),
  ]);
  return { withdraws: rows.map((r) => toWithdrawalDto(r.w, r.shopName)), ...pageOf(total, input) };
}
