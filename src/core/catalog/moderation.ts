import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { products, type ModerationStatus } from '../db/schema/index.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from './catalog-version.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { moderationReason, requiredReason } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';
import { listingId } from './fields.ts';

/** Which moderation decisions apply to a listing in each status. */
const allowedFrom: Record<'approve' | 'reject' | 'hide', readonly ModerationStatus[]> = {
  // Publishes a pending listing, or restores a hidden or rejected one.
  approve: ['pending', 'hidden', 'rejected'],
  // Refuses a listing waiting for review.
  reject: ['pending'],
  // Takes a listing off the catalog (post-moderation), or keeps a pending one from ever showing.
  hide: ['active', 'pending'],
};
const resultingStatus = { approve: 'active', reject: 'rejected', hide: 'hidden' } as const;

export const moderationInput = z.object({ id: listingId, reason: moderationReason });
export const moderationWithReasonInput = z.object({ id: listingId, reason: requiredReason });
export type ModerationInput = z.input<typeof moderationInput>;

export interface ModerationResult {
  _id: string;
  kind: 'product' | 'event';
  shopId: string;
  from: ModerationStatus;
  status: ModerationStatus;
  reason: string | null;
}

async function decide(ctx: Ctx, decision: keyof typeof allowedFrom, id: string, reason: string | undefined): Promise<ModerationResult> {
  if (!isAdmin(ctx.actor)) throw forbidden('Only admins and operators moderate listings');
  return withTx(ctx, async (tx) => {
    const [row] = await tx
      .select({ id: products.id, kind: products.kind, shopId: products.shopId, status: products.status })
      .from(products)
      .where(and(eq(products.id, id), isNull(products.deletedAt)))
      .for('update');
    if (!row) throw notFound('Listing');
    const to = resultingStatus[decision];
    if (!allowedFrom[decision].includes(row.status))
      throw new AppError('INVALID_STATE', `Cannot ${decision} a listing that is ${row.status}`, { from: row.status, to });
    // The reason is shown to the seller while the listing is off the catalog; approval clears it.
    const stored = decision === 'approve' ? null : (reason ?? null);
    await tx.update(products).set({ status: to, moderationReason: stored, updatedAt: ctx.clock.now() }).where(eq(products.id, id));
    onCommit(tx, catalogChanged);
    await recordAudit({ ...ctx, db: tx }, {
      action: `listing.${decision}`,
      target: id,
      reason: reason ?? null,
      details: { kind: row.kind, shopId: row.shopId, from: row.status, to },
    });
    return { _id: id, kind: row.kind, shopId: row.shopId, from: row.status, status: to, reason: stored };
  });
}

/** An admin publishes a pending listing or restores a hidden or rejected one. Audited. */
export async function approveListing(ctx: Ctx, raw: unknown): Promise<ModerationResult> {
  const input = parseInput(moderationInput, raw);
  return decide(ctx, 'approve', input.id, input.reason);
}

/** An admin refuses a pending listing; the seller sees the reason. Audited. */
export async function rejectListing(ctx: Ctx, raw: unknown): Promise<ModerationResult> {
  const input = parseInput(moderationWithReasonInput, raw);
  return decide(ctx, 'reject', input.id, input.reason);
}

/** An admin takes a listing off the catalog; nobody can find or buy it until it is approved again. Audited. */
export async function hideListing(ctx: Ctx, raw: unknown): Promise<ModerationResult> {
  const input = parseInput(moderationWithReasonInput, raw);
  return decide(ctx, 'hide', input.id, input.reason);
}
