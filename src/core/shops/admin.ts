import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import { isAdmin, type Ctx } from '../context.ts';
import { forgetSessionAccount } from '../auth/index.ts';
import { recordAudit } from '../audit/index.ts';
import { availableBalances, shopBalanceDto, shopBalances, type ShopBalances } from '../ledger/index.ts';
import { orders, products, shops } from '../db/schema/index.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from '../catalog/catalog-version.ts';
import { forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { moderationReason } from '../shared/fields.ts';
import { toSellerDto, type SellerDto } from './dto.ts';

function assertAdmin(ctx: Ctx): void {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
}

/** Admin view of live shops, newest first. */
export async function listShops(ctx: Ctx, raw: unknown): Promise<Page & { sellers: SellerDto[] }> {
  assertAdmin(ctx);
  const input = parseInput(pageInput, raw);
  const live = isNull(shops.deletedAt);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db.select().from(shops).where(live).orderBy(desc(shops.createdAt), desc(shops.id)).limit(input.limit).offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(shops).where(live),
  ]);
  const balances = await availableBalances(ctx, rows.map((s) => s.id));
  return { sellers: rows.map((s) => toSellerDto(s, balances.get(s.id) ?? 0)), ...pageOf(total, input) };
}

/** Closes a shop (soft delete: orders and ledger history stay); its seller sessions stop at once. */
export async function deleteShop(ctx: Ctx, rawId: unknown, rawReason?: unknown): Promise<void> {
  assertAdmin(ctx);
  const id = parseInput(idSchema('shop'), rawId);
  const reason = parseInput(moderationReason, rawReason);
  await withTx(ctx, async (tx) => {
    const [row] = await tx
      .update(shops)
      .set({ deletedAt: ctx.clock.now(), updatedAt: ctx.clock.now() })
      .where(and(eq(shops.id, id), isNull(shops.deletedAt)))
      .returning({ id: shops.id, email: shops.email });
    if (!row) throw notFound('Shop');
    await recordAudit({ ...ctx, db: tx }, { action: 'shop.delete', target: id, reason, details: { email: row.email } });
    onCommit(tx, catalogChanged);
  });
  forgetSessionAccount(ctx, 'shop', id);
}

/** Bans or lifts a ban on a shop: a banned shop cannot sign in and disappears from public views. */
export async function setShopBan(ctx: Ctx, rawId: unknown, banned: boolean, rawReason?: unknown): Promise<void> {
  assertAdmin(ctx);
  const id = parseInput(idSchema('shop'), rawId);
  const reason = parseInput(moderationReason, rawReason);
  await withTx(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(shops)
      .set(banned ? { bannedAt: now, banReason: reason ?? null, updatedAt: now } : { bannedAt: null, banReason: null, updatedAt: now })
      .where(and(eq(shops.id, id), isNull(shops.deletedAt)))
      .returning({ id: shops.id });
    if (!row) throw notFound('Shop');
    await recordAudit({ ...ctx, db: tx }, { action: banned ? 'shop.ban' : 'shop.unban', target: id, reason });
    onCommit(tx, catalogChanged);
  });
  forgetSessionAccount(ctx, 'shop', id);
}

/** What an admin sees of one shop, closed or not: the seller's profile, its standing, listings, orders and balances. */
export interface AdminShopDto extends SellerDto {
  feeBps: number;
  bannedAt: string | null;
  banReason: string | null;
  deletedAt: string | null;
  listings: { products: number; events: number };
  orders: { count: number; totalMinor: number };
  balances: ShopBalances;
}

export async function showShop(ctx: Ctx, rawId: unknown): Promise<AdminShopDto> {
  assertAdmin(ctx);
  const id = parseInput(idSchema('shop'), rawId);
  const [[shop], [listed], [sold], balances] = await Promise.all([
    ctx.db.select().from(shops).where(eq(shops.id, id)),
    ctx.db
      .select({
        products: sql<number>`count(*) filter (where ${products.kind} = 'product')`.mapWith(Number),
        events: sql<number>`count(*) filter (where ${products.kind} = 'event')`.mapWith(Number),
      })
      .from(products)
      .where(and(eq(products.shopId, id), isNull(products.deletedAt))),
    ctx.db.select({ count: count(), totalMinor: sql<number>`coalesce(sum(${orders.totalMinor}), 0)`.mapWith(Number) }).from(orders).where(eq(orders.shopId, id)),
    shopBalances(ctx, id),
  ]);
  if (!shop) throw notFound('Shop');
  return {
    ...toSellerDto(shop, balances.availableMinor),
    feeBps: shop.feeBps ?? ctx.config.platformFeeBps,
    bannedAt: shop.bannedAt?.toISOString() ?? null,
    banReason: shop.banReason,
    deletedAt: shop.deletedAt?.toISOString() ?? null,
    listings: { products: listed?.products ?? 0, events: listed?.events ?? 0 },
    orders: { count: sold?.count ?? 0, totalMinor: sold?.totalMinor ?? 0 },
    balances,
  };
}

/** A shop's ledger balances by stage, for the shop itself or an admin; a closed shop's too (its money is still owed). */
export async function getShopBalance(ctx: Ctx, rawId: unknown) {
  const id = parseInput(idSchema('shop'), rawId);
  const owner = ctx.actor.kind === 'shop' && ctx.actor.id === id;
  if (!owner && !isAdmin(ctx.actor)) throw forbidden('Only the shop itself or an admin can see its balance');
  const [shop] = await ctx.db.select({ name: shops.name }).from(shops).where(eq(shops.id, id));
  if (!shop) throw notFound('Shop');
  return { shopId: id, name: shop.name, balance: await shopBalanceDto(ctx, id) };
}
