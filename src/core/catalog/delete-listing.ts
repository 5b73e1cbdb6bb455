import { eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { products, type ListingKind } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { idSchema } from '../shared/ids.ts';
import { lockOwnListing, parseIdParam } from './listings.ts';

/**
 * The owning shop withdraws a listing. It is soft-deleted: order lines, reviews and carts still point at
 * the row, and nobody can see or buy it again. Its images stay, because past orders show them.
 */
async function deleteListing(ctx: Ctx, kind: ListingKind, rawId: unknown): Promise<void> {
  const id = parseIdParam(idSchema(kind), rawId);
  await withTx(ctx, async (tx) => {
    await lockOwnListing(tx, ctx, id, kind);
    const now = ctx.clock.now();
    await tx.update(products).set({ deletedAt: now, updatedAt: now }).where(eq(products.id, id));
  });
}

export const deleteProduct = (ctx: Ctx, rawId: unknown) => deleteListing(ctx, 'product', rawId);
export const deleteEvent = (ctx: Ctx, rawId: unknown) => deleteListing(ctx, 'event', rawId);
