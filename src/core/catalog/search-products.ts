import { and, asc, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { moderationStatuses, products, productStock, publicListing, ratingX10 } from '../db/schema/index.ts';
import { forbidden } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { moneyMajor } from '../shared/money.ts';
import { offsetOf, pageInput } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { indexedPage } from './catalog-index.ts';
import { category } from './fields.ts';
import { listingPage, parseIdParam, sharedListingPage, shopListingViewer } from './listings.ts';
import type { ListingDto, ListingPage } from './dto.ts';

/*
 * Catalog lists. The public catalog's pages are picked by the in-process index (catalog-index.ts) when it
 * is on and answers; what follows is the SQL path, which answers otherwise (and every shop and admin list).
 * Public pages read only active, undeleted products of live shops; each sort and filter has an
 * index over exactly those rows (partial, predicate `publicListing`, written with literal constants so the
 * planner can match it). EXPLAIN ANALYZE on 100,000 seeded products in 1,000 shops (test/core/catalog-plans
 * pins the index choices on 20,000):
 *   newest: products_moderation_idx (kind, status, created_at, id) scanned backward; price_asc/desc,
 *     top_rated: their products_public_* index forward or backward; best_selling: product_stock_sold_idx
 *     backward, each row's listing fetched by key and filtered. Each stops after `limit`
 *     rows, anti-joins the (empty) set of closed/banned shops and fetches 20 shops by key: about 1 ms.
 *   category / shop: products_public_category_idx / products_public_shop_idx, already in newest order.
 *   minPrice/maxPrice, minRating: range conditions on the price and rating indexes when sorting by them;
 *     otherwise the planner walks the newest order and filters, which stops early for common ranges.
 *   q with relevance: the first CATALOG_RANK_MAX (1,000) matches in the order the scan finds them (storage
 *     order: a sequential scan that stops after them, or a bitmap scan of products_search_idx), ranked by
 *     ts_rank, cut to the page, then joined. A word in a tenth of the catalog (q=lap) reads ~10,000 rows for
 *     its 1,000: 10–40 ms, where ranking all ~10,000 matches took 200–300 ms (parallel sequential scan and
 *     sort). Pages past the ranked ones list the other matches newest first (`<> ALL` of the same 1,000).
 *   total: counted first, over the same predicate, stopped after CATALOG_TOTAL_MAX (1,000) + 1 matches:
 *     unfiltered, an index-only scan of products_public_shop_idx with a merge anti-join against closed/banned
 *     shops (~1 ms); q=lap, a sequential scan stopped after ~10,000 rows (10–40 ms; up to the old 10,000
 *     bound it read the whole table, ~240 ms); a minRating count without a rating sort, a sequential scan
 *     (expression indexes cannot answer index-only) that stops after its 1,001 matches.
 *   a filter with at most CATALOG_TOTAL_MAX matches (the count says so): all matches are read first (their
 *     best index, `id = ANY (ARRAY(...))`) and sorted. The sort-index walk the planner would pick otherwise
 *     expects matches spread along the index: q=laptop&category=Shoes&sort=best_selling (no match) walked
 *     all of product_stock_sold_idx, ~1 s; now its count (a BitmapAnd of products_public_category_idx and
 *     products_search_idx) finds none and no page is read, as for any page past the last match.
 */

export const productSorts = ['newest', 'price_asc', 'price_desc', 'best_selling', 'top_rated', 'relevance'] as const;
export type ProductSort = (typeof productSorts)[number];

// Query strings send `?category=` for "any"; an empty value means the filter is off.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const rating = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z.number({ message: 'must be a number from 0 to 5' }).min(0, 'must be a number from 0 to 5').max(5, 'must be a number from 0 to 5'),
);

export const searchProductsInput = pageInput
  .extend({
    q: optional(z.string().trim().max(200, 'must be at most 200 characters')),
    category: optional(category),
    shop: optional(idSchema('shop')),
    minPrice: optional(moneyMajor),
    maxPrice: optional(moneyMajor),
    minRating: optional(rating),
    sort: optional(
      z.enum(productSorts, { message: `must be one of ${productSorts.filter((s) => s !== 'relevance').join(', ')}` }),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.minPrice !== undefined && v.maxPrice !== undefined && v.minPrice > v.maxPrice)
      ctx.addIssue({ code: 'custom', path: ['maxPrice'], message: 'must not be below minPrice' });
  });
export type SearchProductsInput = z.input<typeof searchProductsInput>;

/**
 * Words of `q` as a tsquery where all must match and the last one may be a prefix ("leather jack" →
 * leather & jack:*), so search-as-you-type finds "leather jacket". Prefixes shorter than 3 characters
 * would match most of the catalog, so they must match whole. Only letters and digits reach to_tsquery,
 * so no input can inject tsquery operators.
 */
export function prefixQuery(q: string | undefined): string | undefined {
  const words = q?.match(/[\p{L}\p{N}]+/gu)?.slice(0, 8).map((w) => w.toLowerCase());
  if (!words?.length) return undefined;
  const last = words.length - 1;
  return words.map((w, i) => (i === last && w.length >= 3 ? `${w}:*` : w)).join(' & ');
}

const effectivePrice = products.priceMinor;
const rating10 = ratingX10(products);

function orderFor(sort: ProductSort): SQL[] {
  switch (sort) {
    case 'price_asc':
      return [asc(effectivePrice), asc(products.id)];
    case 'price_desc':
      return [desc(effectivePrice), desc(products.id)];
    case 'best_selling':
      return [desc(productStock.soldCount), desc(productStock.productId)];
    case 'top_rated':
      return [desc(rating10), desc(products.ratingCount), desc(products.id)];
    // With words, ranked by `rank` (searchProducts); the matches past the ranked ones, and every match
    // without words, newest first.
    case 'relevance':
    case 'newest':
      return newestFirst;
  }
}
const newestFirst = [desc(products.createdAt), desc(products.id)];
const value = (name: string) => sql.placeholder(name);

/**
 * The public catalog: active products of live shops, searched, filtered by effective price and rating,
 * sorted, paginated; as the JSON bytes of `{ products, ...page }` (searchProducts' value), which every
 * shopper asking for the page within CATALOG_PAGE_CACHE_MS shares.
 */
export async function searchProductsJson(ctx: Ctx, raw: unknown): Promise<Buffer> {
  const input = parseInput(searchProductsInput, raw);
  const values = {
    q: prefixQuery(input.q),
    category: input.category,
    shop: input.shop,
    minPrice: input.minPrice,
    maxPrice: input.maxPrice,
    // Shown ratings have one decimal, so "4.5 and up" means a shown 4.5 or more.
    minRating10: input.minRating === undefined ? undefined : Math.ceil(input.minRating * 10 - 1e-9),
  };
  const has = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v !== undefined])) as Record<keyof typeof values, boolean>;
  const sort = input.sort ?? (has.q ? 'relevance' : 'newest');
  const filters = `search|${Object.keys(has).filter((k) => has[k as keyof typeof has]).join(',')}`;
  const query = {
    key: `${filters}|${sort}`,
    countKey: filters,
    build: () => {
      const tsQuery = has.q ? sql`to_tsquery('english', ${value('q')})` : undefined;
      const where = and(
        publicListing(products, 'product'),
        tsQuery && sql`${products.search} @@ ${tsQuery}`,
        has.category ? eq(products.category, value('category')) : undefined,
        has.shop ? eq(products.shopId, value('shop')) : undefined,
        has.minPrice ? sql`${effectivePrice} >= ${value('minPrice')}` : undefined,
        has.maxPrice ? sql`${effectivePrice} <= ${value('maxPrice')}` : undefined,
        has.minRating10 ? sql`${rating10} >= ${value('minRating10')}` : undefined,
      );
      const rank = sort === 'relevance' && tsQuery ? sql`ts_rank(${products.search}, ${tsQuery})` : undefined;
      // Units sold live in product_stock, apart from every filter: walking product_stock_sold_idx and
      // fetching each listing to test it read ~70,000 rows for page 2 of q=sunscreen (1.4 % of the catalog,
      // ~500 ms). With words, or more than one filter (a price band is one), the matches are read first and
      // sorted; a single broad filter (a category, a price band: 10–30 % of the catalog) is walked.
      const filters = [has.q, has.category, has.shop, has.minPrice || has.maxPrice, has.minRating10].filter(Boolean).length;
      const matchesFirst = sort === 'best_selling' && (has.q || filters > 1);
      return { where, order: orderFor(sort), onlyLiveShops: true, rank, orderReadsStock: sort === 'best_selling', matchesFirst };
    },
  };
  const fromIndex = (totalMax: number) =>
    indexedPage(ctx, { ...values, sort, offset: offsetOf(input), limit: input.limit, totalMax });
  return sharedListingPage(ctx, query, values, input, fromIndex);
}

/** searchProductsJson's page as objects. */
export async function searchProducts(ctx: Ctx, raw: unknown): Promise<ListingPage & { products: ListingDto[] }> {
  return JSON.parse((await searchProductsJson(ctx, raw)).toString('utf8')) as ListingPage & { products: ListingDto[] };
}

export const shopProductsInput = pageInput;

/**
 * One shop's products, newest first. The public sees its active ones (404 for a closed or banned shop);
 * the shop itself and admins see all of them, whatever their moderation status.
 */
export async function listShopProducts(ctx: Ctx, rawShopId: unknown, raw: unknown): Promise<ListingPage & { products: ListingDto[] }> {
  const shopId = parseIdParam(idSchema('shop'), rawShopId);
  const input = parseInput(shopProductsInput, raw);
  const privileged = await shopListingViewer(ctx, shopId);
  const query = {
    key: `shop-products|${privileged}`,
    build: () => ({
      where: privileged
        ? and(eq(products.shopId, value('shopId')), sql`${products.kind} = 'product'`, isNull(products.deletedAt))
        : and(publicListing(products, 'product'), eq(products.shopId, value('shopId'))),
      order: newestFirst,
      onlyLiveShops: !privileged,
    }),
  };
  const { items, ...pg } = await listingPage(ctx, query, { shopId }, input);
  return { products: items, ...pg };
}

export const adminProductsInput = pageInput.extend({
  status: optional(z.enum(moderationStatuses, { message: `must be one of ${moderationStatuses.join(', ')}` })),
  shop: optional(idSchema('shop')),
  q: optional(z.string().trim().max(200, 'must be at most 200 characters')),
});

/** The moderation queue and catalog overview for admins: every undeleted product, of any shop, by status, shop and words. */
export async function adminListProducts(ctx: Ctx, raw: unknown): Promise<ListingPage & { products: ListingDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const input = parseInput(adminProductsInput, raw);
  const { status, shop } = input;
  const q = prefixQuery(input.q);
  const query = {
    key: `admin-products|${status !== undefined}|${shop !== undefined}|${q !== undefined}`,
    build: () => ({
      where: and(
        sql`${products.kind} = 'product'`,
        isNull(products.deletedAt),
        status !== undefined ? eq(products.status, value('status')) : undefined,
        shop !== undefined ? eq(products.shopId, value('shop')) : undefined,
        q !== undefined ? sql`${products.search} @@ to_tsquery('english', ${value('q')})` : undefined,
      ),
      order: newestFirst,
      onlyLiveShops: false,
    }),
  };
  const { items, ...pg } = await listingPage(ctx, query, { status, shop, q }, input);
  return { products: items, ...pg };
}
