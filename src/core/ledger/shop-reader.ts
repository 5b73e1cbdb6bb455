import { eq } from 'drizzle-orm';
import { isAdmin, type Ctx } from '../context.ts';
import { shops } from '../db/schema/index.ts';
import { forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';

/**
 * A shop's books are read by the shop itself or an admin (operators included). An admin names the
 * shop, so an unknown one is a 404 rather than a statement of zeros.
 */
export async function checkShopBooksReader(ctx: Ctx, rawShopId: unknown): Promise<string> {
  const shopId = parseInput(idSchema('shop'), rawShopId);
  const a = ctx.actor;
  if (a.kind === 'shop' && a.id === shopId) return shopId;
  if (!isAdmin(a)) throw forbidden('Only the shop itself or an admin can read its books');
  const [shop] = await ctx.db.select({ id: shops.id }).from(shops).where(eq(shops.id, shopId));
  if (!shop) throw notFound('Shop');
  return shopId;
}
