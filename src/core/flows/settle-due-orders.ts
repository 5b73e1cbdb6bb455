import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { withTx } from '../db/tx.ts';
import { postTransfers, shopAccountSql } from '../ledger/index.ts';
import { claimDueSettlements } from '../orders/index.ts';
import { forbidden } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';

export const MAX_SETTLEMENT_BATCH = 20_000;

export const settleDueOrdersInput = z.object({
  /** The moment the hold period is measured back from (default: the clock). */
  now: z.date().optional(),
  /** Orders in this batch at most. */
  limit: z.number().int().min(1).max(MAX_SETTLEMENT_BATCH).default(1000),
});

export interface SettlementRun {
  /** Orders settled by this call. */
  count: number;
  amountMinor: number;
  byShop: { shopId: string; count: number; amountMinor: number }[];
  /** Orders delivered on or before this moment were due. */
  cutoff: string;
}

const DAY_MS = 86_400_000;

/**
 * Settles one batch: up to `limit` delivered, paid card orders whose delivery is at least
 * SETTLEMENT_HOLD_DAYS before `now` move their net (total less commission) from the shop's
 * pending balance to available, one `settlement` journal per order, oldest delivery first. One
 * statement claims the orders (deleting their `settlements_due` rows) and posts every journal,
 * entry and balance, so a batch costs the same few round trips however many orders it holds.
 * Never twice: a claimed row is gone, concurrent runs skip each other's rows, and a
 * (settlement, order) journal can exist only once. A balance in debt
 * (refunds after settlement) is simply repaid first. Cash orders never settle: the seller already
 * holds the cash and the commission was booked at delivery. Call again while `count` equals `limit`.
 */
export async function settleDueOrders(ctx: Ctx, raw: { now?: Date; limit?: number } = {}): Promise<SettlementRun> {
  if (ctx.actor.kind !== 'system' && !isAdmin(ctx.actor)) throw forbidden('Settlement is run by the worker or an operator');
  const input = parseInput(settleDueOrdersInput, raw);
  const now = input.now ?? ctx.clock.now();
  const cutoff = new Date(now.getTime() - ctx.config.money.settlementHoldDays * DAY_MS);
  const totals = await withTx(ctx, async (tx) => {
    // A batch's plan costs enough for PostgreSQL to JIT-compile it, which took longer (0.7 s) than running it.
    await tx.execute(sql`SELECT set_config('jit', 'off', true)`);
    return postTransfers(
      { ...ctx, db: tx },
      {
        kind: 'settlement',
        source: claimDueSettlements({ cutoff, limit: input.limit }),
        transfers: sql`SELECT id AS ref, shop_id AS grp, ${shopAccountSql('pending', sql`shop_id`)} AS from_account,
                              ${shopAccountSql('available', sql`shop_id`)} AS to_account, net_minor AS amount FROM source`,
        limit: input.limit,
      },
    );
  });
  const byShop = totals.map((t) => ({ shopId: t.grp, count: t.count, amountMinor: t.amountMinor }));
  return {
    count: byShop.reduce((a, s) => a + s.count, 0),
    amountMinor: byShop.reduce((a, s) => a + s.amountMinor, 0),
    byShop,
    cutoff: cutoff.toISOString(),
  };
}

export interface SettlementSweep extends Omit<SettlementRun, 'cutoff'> {
  batches: number;
}

/**
 * Settles everything due at `now`, batch after batch, until a batch comes back short: what the
 * worker's schedule and `mvshop settle run` do. Each batch commits on its own (unless `ctx.db` is
 * already a transaction), so a crash loses at most the batch in flight, which the next run settles.
 */
export async function settleAllDueOrders(
  ctx: Ctx,
  raw: { now?: Date; limit?: number } = {},
  onBatch?: (run: SettlementRun) => void,
): Promise<SettlementSweep> {
  const input = parseInput(settleDueOrdersInput, raw);
  const now = input.now ?? ctx.clock.now();
  const byShop = new Map<string, { count: number; amountMinor: number }>();
  let batches = 0;
  for (;;) {
    const run = await settleDueOrders(ctx, { now, limit: input.limit });
    batches += 1;
    onBatch?.(run);
    for (const s of run.byShop) {
      const t = byShop.get(s.shopId) ?? { count: 0, amountMinor: 0 };
      byShop.set(s.shopId, { count: t.count + s.count, amountMinor: t.amountMinor + s.amountMinor });
    }
    if (run.count < input.limit) break;
  }
  const shops = [...byShop].map(([shopId, t]) => ({ shopId, ...t }));
  return {
    count: shops.reduce((a, s) => a + s.count, 0),
    amountMinor: shops.reduce((a, s) => a + s.amountMinor, 0),
    batches,
    byShop: shops,
  };
}
