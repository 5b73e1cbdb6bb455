import { and, eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { shops } from '../db/schema/index.ts';
import { shopBalances } from '../ledger/index.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toPublicShopDto, toSellerDto, type PublicShopDto, type SellerDto } from './dto.ts';

/** The seller's own view of their shop. */
export async function getSellerProfile(ctx: Ctx, shopId: string): Promise<SellerDto> {
  const [shop] = await ctx.db.select().from(shops).where(and(eq(shops.id, shopId), isNull(shops.deletedAt)));
  if (!shop) throw notFound('Shop');
  const { availableMinor } = await shopBalances(ctx, shopId);
  return toSellerDto(shop, availableMinor);
}

/** Whom a withdrawal pays and where: a live shop's name, email and bank account on file. */
export async function withdrawalPayee(ctx: Ctx, shopId: string): Promise<Pick<typeof shops.$inferSelect, 'name' | 'email' | 'withdrawMethod'>> {
  const [shop] = await ctx.db
    .select({ name: shops.name, email: shops.email, withdrawMethod: shops.withdrawMethod })
    .from(shops)
    .where(and(eq(shops.id, shopId), isNull(shops.deletedAt)));
  if (!shop) throw notFound('Shop');
  return shop;
}

/** The public projection of a live, unbanned shop. */
export async function getPublicShop(ctx: Ctx, rawId: unknown): Promise<PublicShopDto> {
  const id = parseInput(idSchema('shop'), rawId);
  const [shop] = await ctx.db
    .select()
    .from(shops)
    .where(and(eq(shops.id, id), isNull(shops.deletedAt), isNull(shops.bannedAt)));
  if (!shop) throw notFound('Shop');
  return toPublicShopDto(shop);
}
