import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { listingId } from '../catalog/index.ts';
import { conversations, products, shops } from '../db/schema/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { loadConversation, partyOf } from './access.ts';
import { toConversationDto, type ConversationDto } from './dto.ts';

export const createConversationInput = z.object({
  sellerId: idSchema('shop'),
  productId: listingId.optional().nullable(),
});
export type CreateConversationInput = z.input<typeof createConversationInput>;

/**
 * A buyer opens a conversation with a live shop, optionally about one of its active listings. There
 * is one per buyer–shop–listing (a unique constraint, so concurrent calls agree): asking again
 * returns the existing one with `created: false`.
 */
export async function createConversation(ctx: Ctx, raw: unknown): Promise<{ conversation: ConversationDto; created: boolean }> {
  const input = parseInput(createConversationInput, raw);
  const party = partyOf(ctx.actor);
  if (party.side !== 'user') throw new AppError('FORBIDDEN', 'Buyers start conversations; a shop answers in the ones they open');
  const [shop] = await ctx.db
    .select({ id: shops.id })
    .from(shops)
    .where(and(eq(shops.id, input.sellerId), isNull(shops.deletedAt), isNull(shops.bannedAt)));
  if (!shop) throw notFound('Shop');
  const productId = input.productId ?? null;
  if (productId) {
    const [listing] = await ctx.db
      .select({ shopId: products.shopId })
      .from(products)
      .where(and(eq(products.id, productId), eq(products.status, 'active'), isNull(products.deletedAt)));
    if (!listing) throw notFound('Product');
    if (listing.shopId !== shop.id)
      throw new AppError('VALIDATION_FAILED', 'productId is not sold by this shop', { fields: { productId: 'is not sold by this shop' } });
  }

  const now = ctx.clock.now();
  const [inserted] = await ctx.db
    .insert(conversations)
    .values({ id: newId('conversation'), userId: party.id, shopId: shop.id, productId, lastActivityAt: now, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ id: conversations.id });
  const id =
    inserted?.id ??
    (
      await ctx.db
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.userId, party.id), eq(conversations.shopId, shop.id), sql`${conversations.productId} IS NOT DISTINCT FROM ${productId}`))
    )[0]!.id;
  const loaded = await loadConversation(ctx.db, id);
  return { conversation: toConversationDto(loaded!, 'user'), created: Boolean(inserted) };
}
