import { sql } from 'drizzle-orm';
import { bigint, check, customType, index, integer, jsonb, pgTable, text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt, type Image } from './columns.ts';
import { shops } from './identity.ts';

export const listingKinds = ['product', 'event'] as const;
export type ListingKind = (typeof listingKinds)[number];

export const moderationStatuses = ['active', 'pending', 'hidden', 'rejected'] as const;
export type ModerationStatus = (typeof moderationStatuses)[number];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The average rating ×10 as an integer, rounded half up (sum 17 / count 4 = 4.25 → 43), 0 when unrated.
 * `ratings` shows it ÷ 10; `minRating` and `top_rated` use this same expression, so its index serves them.
 */
export const ratingX10 = (t: { ratingSum: AnyPgColumn; ratingCount: AnyPgColumn }) =>
  sql`(CASE WHEN ${t.ratingCount} > 0 THEN (${t.ratingSum}::bigint * 20 + ${t.ratingCount}) / (${t.ratingCount} * 2) ELSE 0 END)`;

/**
 * The rows public catalog pages read. Partial indexes carry this predicate with literal constants, and
 * the queries repeat it the same way (never as bound parameters), so the planner can use them.
 */
export const publicListing = (t: { kind: AnyPgColumn; status: AnyPgColumn; deletedAt: AnyPgColumn }, kind: ListingKind) =>
  sql`${t.kind} = ${sql.raw(`'${kind}'`)} AND ${t.status} = 'active' AND ${t.deletedAt} IS NULL`;

/**
 * Everything a shop sells. Products and events share this table (an event is a listing with a
 * sale window), so stock, prices, orders and reviews work the same for both.
 */
export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    kind: text('kind').$type<ListingKind>().notNull().default('product'),
    name: text('name').notNull(),
    description: text('description').notNull(),
    category: text('category').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    originalPriceMinor: bigint('original_price_minor', { mode: 'number' }).notNull(),
    discountPriceMinor: bigint('discount_price_minor', { mode: 'number' }),
    /** What a buyer pays outside any coupon: the discount price when set, else the original. */
    priceMinor: bigint('price_minor', { mode: 'number' })
      .notNull()
      .generatedAlwaysAs(sql`COALESCE(discount_price_minor, original_price_minor)`),
    images: jsonb('images').$type<Image[]>().notNull().default(sql`'[]'::jsonb`),
    status: text('status').$type<ModerationStatus>().notNull().default('active'),
    moderationReason: text('moderation_reason'),
    // Sums and counts, not a float average, so ratings never drift.
    ratingSum: integer('rating_sum').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    startsAt: tsz('starts_at'),
    endsAt: tsz('ends_at'),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(category, '') || ' ' || mvshop_tags_text(tags)), 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')`,
      ),
    deletedAt: tsz('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /**
     * When the row last changed, by the database's clock: set on insert and by a trigger on every update
     * (migration 0014), whatever the statement sets, so the in-process catalog index (catalog-index.ts)
     * can read what changed since its last look. Not `updated_at`: that is the app's clock, and a review's
     * rating update leaves it alone.
     */
    changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    check('products_price_ck', sql`${t.originalPriceMinor} >= 0`),
    check(
      'products_discount_ck',
      sql`${t.discountPriceMinor} IS NULL OR (${t.discountPriceMinor} >= 0 AND ${t.discountPriceMinor} < ${t.originalPriceMinor})`,
    ),
    check('products_kind_ck', sql`${t.kind} IN ('product', 'event')`),
    check('products_status_ck', sql`${t.status} IN ('active', 'pending', 'hidden', 'rejected')`),
    check('products_window_ck', sql`${t.kind} = 'product' OR (${t.startsAt} IS NOT NULL AND ${t.endsAt} IS NOT NULL AND ${t.startsAt} < ${t.endsAt})`),
    index('products_shop_idx').on(t.shopId, t.createdAt),
    // A shop's rating is summed over its listings on every product page: an index-only scan of this.
    index('products_shop_rating_idx').on(t.shopId, t.ratingSum, t.ratingCount).where(sql`${t.deletedAt} IS NULL`),
    index('products_search_idx').using('gin', t.search),
    // One index per public sort and filter (EXPLAIN notes in src/core/catalog/search-products.ts). All
    // ascending: a backward scan serves `ORDER BY … DESC`, whose NULLS FIRST a `.desc()` index (drizzle
    // writes DESC NULLS LAST) would not match.
    index('products_public_price_idx').on(t.priceMinor, t.id).where(publicListing(t, 'product')),
    index('products_public_rating_idx').on(ratingX10(t), t.ratingCount, t.id).where(publicListing(t, 'product')),
    index('products_public_category_idx').on(t.category, t.createdAt, t.id).where(publicListing(t, 'product')),
    index('products_public_shop_idx').on(t.shopId, t.createdAt, t.id).where(publicListing(t, 'product')),
    index('products_public_events_idx').on(t.endsAt, t.startsAt).where(publicListing(t, 'event')),
    index('products_changed_idx').on(t.changedAt),
    // Serves the admin lists by status and, with kind = 'product' AND status = 'active', the public "newest".
    index('products_moderation_idx').on(t.kind, t.status, t.createdAt, t.id).where(sql`${t.deletedAt} IS NULL`),
  ],
);

/**
 * A listing's stock and units sold, apart from its `products` row: a sale rewrites this small row (its
 * primary key and the best-selling index) instead of a wide row with a dozen indexes and a search
 * vector. Every listing has exactly one, written with it (insertListing).
 */
export const productStock = pgTable(
  'product_stock',
  {
    productId: text('product_id')
      .primaryKey()
      .references(() => products.id),
    stock: integer('stock').notNull(),
    soldCount: integer('sold_count').notNull().default(0),
  },
  (t) => [
    check('product_stock_stock_ck', sql`${t.stock} >= 0`),
    check('product_stock_sold_ck', sql`${t.soldCount} >= 0`),
    // The best-selling sort walks this backward and joins products by key, stopping after a page.
    index('product_stock_sold_idx').on(t.soldCount, t.productId),
  ],
);
