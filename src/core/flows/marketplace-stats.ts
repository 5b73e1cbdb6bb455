import { and, desc, eq, gte, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { ledgerEntries, orderLines, orders, refunds, shops, withdrawals, type OrderStatus } from '../db/schema/index.ts';
import { platformAccount } from '../ledger/index.ts';
import { outboxStatus, type OutboxStatusDto } from '../outbox/index.ts';
import { forbidden } from '../shared/errors.ts';
import { sinceDate } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';

export const marketplaceStatsInput = z.object({ since: sinceDate.optional() });

/** Orders that never became a sale: not paid for yet, or cancelled before money changed hands. */
const notSales: OrderStatus[] = ['Pending payment', 'Cancelled'];
const TOP = 5;

export interface MarketplaceStats {
  since: string | null;
  currency: string;
  /** Gross merchandise value: totals of orders placed since `since` that became sales (refunded ones included). */
  gmvMinor: number;
  orders: { count: number; byStatus: { status: OrderStatus; count: number; totalMinor: number }[] };
  /** Money sent back to buyers (refunds created since `since`); `unconfirmed` still wait for Stripe. */
  refunds: { count: number; amountMinor: number; unconfirmed: number };
  /** Net commission booked in the ledger since `since` (reversals on refunds deducted). */
  platformFeesMinor: number;
  topShops: { shopId: string; name: string; orders: number; gmvMinor: number }[];
  topProducts: { productId: string; name: string; shopId: string; units: number; revenueMinor: number }[];
  /** Withdrawals waiting for a decision now, whatever `since` says: the operator's queue. */
  pendingWithdrawals: { count: number; amountMinor: number };
  outbox: OutboxStatusDto;
}

const num = (expr: SQL) => sql<number>`coalesce(${expr}, 0)`.mapWith(Number);

/** The marketplace at a glance for operators: sales, refunds, commission, best sellers and the side-effect backlog. */
export async function marketplaceStats(ctx: Ctx, raw: unknown): Promise<MarketplaceStats> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const { since } = parseInput(marketplaceStatsInput, raw);
  const placed = since ? gte(orders.createdAt, since) : undefined;
  const sales = and(placed, notInArray(orders.status, notSales));
  const gmv = num(sql`sum(${orders.totalMinor})`);
  const [byStatus, [refunded], [fees], topShops, topProducts, [pending], outbox] = await Promise.all([
    ctx.db
      .select({ status: orders.status, count: sql<number>`count(*)`.mapWith(Number), totalMinor: gmv })
      .from(orders)
      .where(placed)
      .groupBy(orders.status),
    ctx.db
      .select({
        count: sql<number>`count(*) filter (where ${refunds.status} = 'succeeded')`.mapWith(Number),
        amountMinor: num(sql`sum(${refunds.amountMinor}) filter (where ${refunds.status} = 'succeeded')`),
        unconfirmed: sql<number>`count(*) filter (where ${inArray(refunds.status, ['pending', 'unknown'])})`.mapWith(Number),
      })
      .from(refunds)
      .where(since ? gte(refunds.createdAt, since) : undefined),
    ctx.db
      .select({ total: num(sql`sum(${ledgerEntries.amountMinor})`) })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.account, platformAccount.fees), since ? gte(ledgerEntries.createdAt, since) : undefined)),
    ctx.db
      .select({ shopId: orders.shopId, name: shops.name, orders: sql<number>`count(*)`.mapWith(Number), gmvMinor: gmv })
      .from(orders)
      .innerJoin(shops, eq(shops.id, orders.shopId))
      .where(sales)
      .groupBy(orders.shopId, shops.name)
      .orderBy(desc(gmv), orders.shopId)
      .limit(TOP),
    ctx.db
      .select({
        productId: orderLines.productId,
        name: sql<string>`max(${orderLines.name})`,
        shopId: sql<string>`max(${orders.shopId})`,
        units: num(sql`sum(${orderLines.qty})`),
        revenueMinor: num(sql`sum(${orderLines.unitPriceMinor} * ${orderLines.qty} - ${orderLines.discountMinor})`),
      })
      .from(orderLines)
      .innerJoin(orders, eq(orders.id, orderLines.orderId))
      .where(sales)
      .groupBy(orderLines.productId)
      .orderBy(desc(sql`sum(${orderLines.unitPriceMinor} * ${orderLines.qty} - ${orderLines.discountMinor})`), orderLines.productId)
      .limit(TOP),
    ctx.db
      .select({ count: sql<number>`count(*)`.mapWith(Number), amountMinor: num(sql`sum(${withdrawals.amountMinor})`) })
      .from(withdrawals)
      .where(eq(withdrawals.status, 'Processing')),
    outboxStatus(ctx),
  ]);
  const count = byStatus.reduce((a, s) => a + s.count, 0);
  return {
    since: since?.toISOString() ?? null,
    currency: ctx.config.currency,
    gmvMinor: byStatus.filter((s) => !notSales.includes(s.status)).reduce((a, s) => a + s.totalMinor, 0),
    orders: { count, byStatus: byStatus.sort((a, b) => b.count - a.count || a.status.localeCompare(b.status)) },
    refunds: { count: refunded?.count ?? 0, amountMinor: refunded?.amountMinor ?? 0, unconfirmed: refunded?.unconfirmed ?? 0 },
    platformFeesMinor: fees?.total ?? 0,
    topShops,
    topProducts,
    pendingWithdrawals: { count: pending?.count ?? 0, amountMinor: pending?.amountMinor ?? 0 },
    outbox,
  };
}
