import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { moderationStatuses, products, publicListing } from '../db/schema/index.ts';
import { forbidden } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { pageInput } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { listingPage, parseIdParam, shopListingViewer } from './listings.ts';
import type { ListingDto, ListingPage } from './dto.ts';

export const listEventsInput = pageInput;

// Running ones first (they started earliest), then upcoming by start; ended ones are not listed.
const byStart = [asc(products.startsAt), asc(products.endsAt), asc(products.id)];
const running = gt(products.endsAt, sql.placeholder('now'));

/** Running and upcoming events of live shops, for the storefront's events page. */
export async function listEvents(ctx: Ctx, raw: unknown): Promise<ListingPage & { events: ListingDto[] }> {
  const input = parseInput(listEventsInput, raw);
  const query = {
    key: 'events',
    build: () => ({ where: and(publicListing(products, 'event'), running), order: byStart, onlyLiveShops: true }),
  };
  const { items, ...page } = await listingPage(ctx, query, { now: ctx.clock.now() }, input);
  return { events: items, ...page };
}

/**
 * One shop's running and upcoming events. The public sees active ones (404 for a closed or banned shop);
 * the shop itself and admins also see those pending, hidden or rejected.
 */
export async function listShopEvents(ctx: Ctx, rawShopId: unknown, raw: unknown): Promise<ListingPage & { events: ListingDto[] }> {
  const shopId = parseIdParam(idSchema('shop'), rawShopId, 'shopId');
  const input = parseInput(listEventsInput, raw);
  const privileged = await shopListingViewer(ctx, shopId);
  const query = {
    key: `shop-events|${privileged}`,
    build: () => ({
      where: privileged
        ? and(eq(products.shopId, sql.placeholder('shopId')), sql`${products.kind} = 'event'`, isNull(products.deletedAt), running)
        : and(publicListing(products, 'event'), eq(products.shopId, sql.placeholder('shopId')), running),
      order: byStart,
      onlyLiveShops: !privileged,
    }),
  };
  const { items, ...page } = await listingPage(ctx, query, { shopId, now: ctx.clock.now() }, input);
  return { events: items, ...page };
}

const emptyIsUnset = (v: unknown) => (v === '' ? undefined : v);

export const adminEventsInput = pageInput.extend({
  status: z.preprocess(
    emptyIsUnset,
    z.enum(moderationStatuses, { message: `must be one of ${moderationStatuses.join(', ')}` }).optional(),
  ),
  shop: z.preprocess(emptyIsUnset, idSchema('shop').optional()),
});

/** Every undeleted event, past ones included, newest first, optionally by moderation status and shop. */
export async function adminListEvents(ctx: Ctx, raw: unknown): Promise<ListingPage & { events: ListingDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const input = parseInput(adminEventsInput, raw);
  const { status, shop } = input;
  const query = {
    key: `admin-events|${status !== undefined}|${shop !== undefined}`,
    build: () => ({
      where: and(
        sql`${products.kind} = 'event'`,
        isNull(products.deletedAt),
        status !== undefined ? eq(products.status, sql.placeholder('status')) : undefined,
        shop !== undefined ? eq(products.shopId, sql.placeholder('shop')) : undefined,
      ),
      order: [desc(products.createdAt), desc(products.id)],
      onlyLiveShops: false,
    }),
  };
  const { items, ...page } = await listingPage(ctx, query, { status, shop }, input);
  return { events: items, ...page };
}
