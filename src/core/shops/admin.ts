import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { forgetSessionAccount } from '../auth/index.ts';
import { recordAudit } from '../audit/index.ts';
import { availableBalances } from '../ledger/index.ts';
import { shops } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { moderationReason } from '../shared/fields.ts';
import { toSellerDto, type SellerDto } from './dto.ts';

/** Admin view of live shops, newest first. */
export async function listShops(ctx: Ctx, raw: unknown): Promise<Page & { sellers: SellerDto[] }> {
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
  });
  forgetSessionAccount(ctx, 'shop', id);
}

/** Bans or lifts a ban on a shop: a banned shop cannot sign in and disappears from public views. */
export async function setShopBan(ctx: Ctx, rawId: unknown, banned: boolean, rawReason?: unknown): Promise<void> {
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
  });
  forgetSessionAccount(ctx, 'shop', id);
}
