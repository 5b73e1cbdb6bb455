import { and, asc, count, desc, eq, inArray, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { orderEvents, orderLines, orders, orderStatuses } from '../db/schema/commerce.ts';
import { shops } from '../db/schema/index.ts';
import { forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { toOrderDto, type OrderDto } from './dto.ts';

export const orderListInput = pageInput.extend({
  status: z.enum(orderStatuses, { message: `must be one of: ${orderStatuses.join(', ')}` }).optional(),
  shop: idSchema('shop').optional(),
});

async function withLines(ctx: Ctx, rows: (typeof orders.$inferSelect)[]): Promise<OrderDto[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((o) => o.id);
  const [lines, shopRows] = await Promise.all([
    ctx.db.select().from(orderLines).where(inArray(orderLines.orderId, ids)).orderBy(asc(orderLines.id)),
    ctx.db.select({ id: shops.id, name: shops.name }).from(shops).where(inArray(shops.id, [...new Set(rows.map((o) => o.shopId))])),
  ]);
  const names = new Map(shopRows.map((s) => [s.id, s.name]));
  return rows.map((o) => toOrderDto(o, lines.filter((l) => l.orderId === o.id), names.get(o.shopId) ?? ''));
}

async function listWhere(ctx: Ctx, scope: SQL | undefined, raw: unknown): Promise<Page & { orders: OrderDto[] }> {
  const input = parseInput(orderListInput, raw);
  const where = and(scope, input.status ? eq(orders.status, input.status) : undefined, input.shop ? eq(orders.shopId, input.shop) : undefined);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db.select().from(orders).where(where).orderBy(desc(orders.createdAt), desc(orders.id)).limit(input.limit).offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(orders).where(where),
  ]);
  return { orders: await withLines(ctx, rows), ...pageOf(total, input) };
}

export const listBuyerOrders = (ctx: Ctx, userId: string, raw: unknown) => listWhere(ctx, eq(orders.userId, userId), raw);
export const listShopOrders = (ctx: Ctx, shopId: string, raw: unknown) => listWhere(ctx, eq(orders.shopId, shopId), raw);
/** Every shop's orders, for admins and operators. */
export async function listAllOrders(ctx: Ctx, raw: unknown): Promise<Page & { orders: OrderDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  return listWhere(ctx, undefined, raw);
}

/** One order with its history, for its buyer, its shop or an admin; anyone else gets 404. */
export async function getOrder(ctx: Ctx, rawId: unknown): Promise<OrderDto> {
  const id = parseInput(idSchema('order'), rawId);
  const [order] = await ctx.db.select().from(orders).where(eq(orders.id, id));
  const a = ctx.actor;
  const allowed =
    order &&
    ((a.kind === 'user' && (a.id === order.userId || a.role === 'Admin')) ||
      (a.kind === 'shop' && a.id === order.shopId) ||
      a.kind === 'operator' ||
      a.kind === 'system');
  if (!order || !allowed) throw notFound('Order');
  const [lines, history, [shop]] = await Promise.all([
    ctx.db.select().from(orderLines).where(eq(orderLines.orderId, id)).orderBy(asc(orderLines.id)),
    ctx.db.select().from(orderEvents).where(eq(orderEvents.orderId, id)).orderBy(asc(orderEvents.createdAt), asc(orderEvents.id)),
    ctx.db.select({ name: shops.name }).from(shops).where(eq(shops.id, order.shopId)),
  ]);
  return toOrderDto(order, lines, shop?.name ?? '', history);
}

/** Orders a flow has just created for the acting buyer, in one read (no per-order round trips). */
export async function ordersCreatedFor(ctx: Ctx, userId: string, ids: string[]): Promise<OrderDto[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(orders)
    .where(and(inArray(orders.id, ids), eq(orders.userId, userId)))
    .orderBy(asc(orders.id));
  return withLines(ctx, rows);
}

/** The storefront's `/get-all-orders/:userId` form: only ever the caller's own id. */
export function assertOwnUserId(ctx: Ctx, rawUserId: unknown): void {
  const asked = parseInput(idSchema('user'), rawUserId);
  if (ctx.actor.kind !== 'user' || ctx.actor.id !== asked) throw forbidden('You can only list your own orders');
}
