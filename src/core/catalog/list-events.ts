import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { moderationStatuses, products, publicListing } from '../db/schema/index.ts';
import { forbidden } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { pageInput, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { isAdmin, listingPage, parseIdParam, shopListingViewer } from './listings.ts';
import type { ListingDto } from './dto.ts';

export const listEventsInput = pageInput;

// Running ones first (they started earliest), then upcoming by start; ended ones are not listed.
const byStart = [asc(products.startsAt), asc(products.endsAt), asc(products.id)];

/** Running and upcoming events of live shops, for the storefront's events page. */
export async function listEvents(ctx: Ctx, raw: unknown): Promise<Page & { events: ListingDto[] }> {
  const input = parseInput(listEventsInput, raw);
  const where = and(publicListing(products, 'event'), gt(products.endsAt, ctx.clock.now()));
  const { items, ...page } = await listingPage(ctx, where, byStart, input, true);
  return { events: items, ...page };
}

/**
 * One shop's running and upcoming events. The public sees active ones (404 for a closed or banned shop);
 * the shop itself and admins also see those pending, hidden or rejected.
 */
export async function listShopEvents(ctx: Ctx, rawShopId: unknown, raw: unknown): Promise<Page & { events: ListingDto[] }> {
  const shopId = parseIdParam(idSchema('shop'), rawShopId, 'shopId');
  const input = parseInput(listEventsInput, raw);
  const privileged = await shopListingViewer(ctx, shopId);
  const running = gt(products.endsAt, ctx.clock.now());
  const where = privileged
    ? and(eq(products.shopId, shopId), sql`${products.kind} = 'event'`, isNull(products.deletedAt), running)
    : and(publicListing(products, 'event'), eq(products.shopId, shopId), running);
  const { items, ...page } = await listingPage(ctx, where, byStart, input, !privileged);
  return { events: items, ...page };
}

export const adminEventsInput = pageInput.extend({
  status: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(moderationStatuses, { message: `must be one of ${moderationStatuses.join(', ')}` }).optional(),
  ),
});

/** Every undeleted event, past ones included, newest first, optionally by moderation status. */
export async function adminListEvents(ctx: Ctx, raw: unknown): Promise<Page & { events: ListingDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const input = parseInput(adminEventsInput, raw);
  const where = and(
    sql`${products.kind} = 'event'`,
    isNull(products.deletedAt),
    input.status !== undefined ? eq(products.status, input.status) : undefined,
  );
  const { items, ...page } = await listingPage(ctx, where, [desc(products.createdAt), desc(products.id)], input, false);
  return { events: items, ...page };
}
