import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { products, type ListingKind } from '../db/schema/index.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from './catalog-version.ts';
import { forbidden } from '../shared/errors.ts';
import { requiredReason } from '../shared/fields.ts';
import { idPrefixes, idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { listingId } from './fields.ts';
import { lockListing, lockOwnListing, parseIdParam } from './listings.ts';

export interface DeletedListing {
  _id: string;
  kind: ListingKind;
  shopId: string;
  name: string;
  status: string;
}

const adminReason = z.object({ reason: requiredReason });

/**
 * A listing is withdrawn by its own shop, or taken down by an admin or operator (with a reason,
 * audited). It is soft-deleted: order lines, reviews and carts still point at the row, and nobody can
 * see or buy it again. Its images stay, because past orders show them.
 */
async function deleteListing(ctx: Ctx, kind: ListingKind, rawId: unknown, rawReason?: unknown): Promise<DeletedListing> {
  const id = parseIdParam(idSchema(kind), rawId);
  const admin = isAdmin(ctx.actor);
  const reason = admin ? parseInput(adminReason, { reason: rawReason }).reason : undefined;
  return withTx(ctx, async (tx) => {
    const row = admin ? await lockListing(tx, id, kind) : await lockOwnListing(tx, ctx, id, kind);
    const now = ctx.clock.now();
    await tx.update(products).set({ deletedAt: now, updatedAt: now }).where(eq(products.id, id));
    onCommit(tx, catalogChanged);
    if (admin)
      await recordAudit({ ...ctx, db: tx }, { action: 'listing.delete', target: id, reason, details: { kind, shopId: row.shopId, name: row.name } });
    return { _id: id, kind, shopId: row.shopId, name: row.name, status: row.status };
  });
}

export const deleteProduct = (ctx: Ctx, rawId: unknown, rawReason?: unknown) => deleteListing(ctx, 'product', rawId, rawReason);
export const deleteEvent = (ctx: Ctx, rawId: unknown, rawReason?: unknown) => deleteListing(ctx, 'event', rawId, rawReason);

export const restoreListingInput = z.object({ id: listingId, reason: requiredReason.optional() });

/**
 * An admin or operator undoes a deletion (a shop's or an admin's): the listing is back as it was,
 * with its moderation status, so an active one is on sale again at once. Audited.
 */
export async function restoreListing(ctx: Ctx, raw: unknown): Promise<DeletedListing> {
  if (!isAdmin(ctx.actor)) throw forbidden('Only admins and operators restore listings');
  const { id, reason } = parseInput(restoreListingInput, raw);
  const kind: ListingKind = id.startsWith(`${idPrefixes.event}_`) ? 'event' : 'product';
  return withTx(ctx, async (tx) => {
    const row = await lockListing(tx, id, kind, { deleted: true });
    await tx.update(products).set({ deletedAt: null, updatedAt: ctx.clock.now() }).where(eq(products.id, id));
    onCommit(tx, catalogChanged);
    await recordAudit({ ...ctx, db: tx }, { action: 'listing.restore', target: id, reason, details: { kind, shopId: row.shopId, name: row.name } });
    return { _id: id, kind, shopId: row.shopId, name: row.name, status: row.status };
  });
}
