import { TtlCache } from '../shared/ttl-cache.ts';
import { catalogVersion } from './catalog-version.ts';
import { readListings, renderListings, type RowVersions } from './listing-json.ts';
import { and, count, desc, eq, getTableColumns, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Actor, type Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { jsonTime } from '../db/json-rows.ts';
import { namedStatement, prepared, textArray, type Prepared } from '../db/prepared.ts';
import { products, productStock, shops } from '../db/schema/index.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { offsetOf, pageOf, type PageInput } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { toListingDto, type ListingDto, type ListingPage, type ListingRow, type ShopRating, type ShopRow } from './dto.ts';

/** Shared reads and checks of listings: who may see and change them, and turning rows into DTOs. */

// Every column but the search vector, which only the database reads, and the listing's stock row
// (every query selecting these joins `productStock` on the listing's id: `withStock`).
const { search: _search, ...columns } = getTableColumns(products);
export const listingColumns = { ...columns, stock: productStock.stock, soldCount: productStock.soldCount };
/** The join condition that brings a listing's stock row into a query of `products`. */
export const withStock = eq(productStock.productId, products.id);

// What a listing shows of its shop, and what visibility needs; never the password hash or bank details.
export const shopColumns = {
  id: shops.id,
  name: shops.name,
  description: shops.description,
  avatar: shops.avatar,
  address: shops.address,
  createdAt: shops.createdAt,
  deletedAt: shops.deletedAt,
  bannedAt: shops.bannedAt,
};

/** Parses an id from a path, so a malformed one is a 400 naming that parameter (`{ id: "must be a product id" }`). */
export function parseIdParam<S extends z.ZodType>(schema: S, raw: unknown, name = 'id'): z.output<S> {
  // Built once per (schema, name): zod compiles an object schema's parser on first use.
  let byName = paramSchemas.get(schema);
  if (!byName) paramSchemas.set(schema, (byName = new Map()));
  let wrapper = byName.get(name);
  if (!wrapper) byName.set(name, (wrapper = z.object({ [name]: schema }) as z.ZodType));
  return (parseInput(wrapper, { [name]: raw }) as Record<string, unknown>)[name] as z.output<S>;
}
const paramSchemas = new WeakMap<z.ZodType, Map<string, z.ZodType>>();

/** A shop is on show when it is neither closed nor banned. */
export const shopIsLive: SQL = sql`${shops.deletedAt} IS NULL AND ${shops.bannedAt} IS NULL`;

/**
 * The listing's shop is on show, written as "no closed or banned shop owns it": an anti-join against the
 * (normally empty) set of such shops costs far less per row than joining every live shop, which is what
 * makes `total` over the whole catalog cheap (EXPLAIN: Merge Anti Join over an index-only scan).
 */
export const fromLiveShop: SQL = sql`NOT EXISTS (SELECT 1 FROM ${shops} AS off WHERE off.id = ${products.shopId} AND (off.deleted_at IS NOT NULL OR off.banned_at IS NOT NULL))`;

export const isOwner = (actor: Actor, shopId: string) => actor.kind === 'shop' && actor.id === shopId;

/** Whether `actor` may see this listing: anyone when it is active in a live shop; its shop and admins always. */
export function canView(actor: Actor, p: ListingRow, shop: ShopRow): boolean {
  if (isOwner(actor, p.shopId) || isAdmin(actor)) return true;
  return p.status === 'active' && shop.deletedAt === null && shop.bannedAt === null;
}

/** The seller behind the session; listings are always written as the signed-in shop. */
export function sellerId(ctx: Ctx): string {
  if (ctx.actor.kind !== 'shop') throw new AppError('FORBIDDEN', 'Only a signed-in shop can do this');
  return ctx.actor.id;
}

/** A live (not deleted) listing with its shop, or undefined. */
export async function findListing(db: Db, id: string): Promise<{ product: ListingRow; shop: ShopRow } | undefined> {
  const [row] = await db
    .select({ product: listingColumns, shop: shopColumns })
    .from(products)
    .innerJoin(productStock, withStock)
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(and(eq(products.id, id), isNull(products.deletedAt)));
  return row;
}

const listingWord = (kind: ListingRow['kind']) => (kind === 'event' ? 'Event' : 'Product');

/** Locks a live listing of `kind` (or, with `deleted`, a deleted one) for a change: 404 when there is none. */
export async function lockListing(tx: Db, id: string, kind: ListingRow['kind'], opts: { deleted?: boolean } = {}): Promise<ListingRow> {
  const [row] = await tx
    .select(listingColumns)
    .from(products)
    .innerJoin(productStock, withStock)
    .where(and(eq(products.id, id), eq(products.kind, kind), opts.deleted ? isNotNull(products.deletedAt) : isNull(products.deletedAt)))
    .for('update');
  if (!row) throw notFound(opts.deleted ? `Deleted ${listingWord(kind).toLowerCase()}` : listingWord(kind));
  return row;
}

/** Locks a live listing of `kind` for a change by its own shop: 404 when there is none, 403 for another shop's. */
export async function lockOwnListing(tx: Db, ctx: Ctx, id: string, kind: ListingRow['kind']): Promise<ListingRow> {
  const shopId = sellerId(ctx);
  const row = await lockListing(tx, id, kind);
  if (row.shopId !== shopId) throw forbidden(`This ${listingWord(kind).toLowerCase()} belongs to another shop`);
  return row;
}

// Per process and database handle, keyed by query: summing ratings and counting a whole filter are the
// costliest reads of a catalog page, and staleness in either is harmless (dropped by this process's
// catalog writes, bounded by LIST_TOTAL_CACHE_MS for other processes').
interface ListingCaches {
  ttl: number;
  pageTtl: number;
  /** The catalogVersion() the pages, totals and ratings were read at. */
  version: number;
  totals: TtlCache<number>;
  ratings: TtlCache<ShopRating>;
  /** Public pages as their JSON bytes (sharedListingPage). */
  pages: TtlCache<Buffer>;
}
const cachesByDb = new WeakMap<Db, ListingCaches>();
function cachesFor(ctx: Ctx): ListingCaches {
  const { listCacheMs: ttl, pageCacheMs: pageTtl } = ctx.config;
  let caches = cachesByDb.get(ctx.db);
  if (caches?.ttl !== ttl || caches.pageTtl !== pageTtl) {
    caches = { ttl, pageTtl, version: catalogVersion(), totals: new TtlCache(ttl), ratings: new TtlCache(ttl, 10_000), pages: new TtlCache(pageTtl) };
    cachesByDb.set(ctx.db, caches);
  } else if (caches.version !== catalogVersion()) {
    // Also forgets reads in flight, so a page read before the change is never stored after it.
    caches.pages.clear();
    caches.totals.clear();
    caches.ratings.clear();
    caches.version = catalogVersion();
  }
  return caches;
}

/** Each shop's rating: the sums over all its listings, so it never drifts from them. */
async function shopRatings(ctx: Ctx, shopIds: string[]): Promise<Map<string, ShopRating>> {
  if (shopIds.length === 0) return new Map();
  const { ratings } = cachesFor(ctx);
  const known = new Map<string, ShopRating>();
  const missing: string[] = [];
  for (const id of shopIds) {
    const cached = ratings.get(id);
    if (cached) known.set(id, cached);
    else missing.push(id);
  }
  if (missing.length === 0) return known;
  const computed = await computeShopRatings(ctx.db, missing);
  for (const id of missing) {
    const value = computed.get(id) ?? { sum: 0, count: 0 };
    known.set(id, value);
    ratings.set(id, value);
  }
  return known;
}

/**
 * A shop's rating as [sum, count] over its undeleted listings, as a column of any query with the shop's id
 * at hand (an index-only scan of products_shop_rating_idx). The one definition of a shop's rating.
 * `shopId` must name its table: drizzle writes a single-table query's columns bare, and a bare "id"
 * would mean the subquery's own.
 */
export const shopRatingOf = (shopId: SQL) => sql<[number, number]>`(
  SELECT ARRAY[coalesce(sum(o.rating_sum), 0), coalesce(sum(o.rating_count), 0)]::int[]
  FROM ${products} o WHERE o.shop_id = ${shopId} AND o.deleted_at IS NULL)`;

async function computeShopRatings(db: Db, shopIds: string[]): Promise<Map<string, ShopRating>> {
  const rows = await db.select({ id: shops.id, rating: shopRatingOf(sql`${shops}.id`) }).from(shops).where(inArray(shops.id, shopIds));
  return new Map(rows.map((r) => [r.id, { sum: r.rating[0], count: r.rating[1] }]));
}

/** Rows (listing + shop) → DTOs, with one query for the shops' ratings. */
export async function toListingDtos(ctx: Ctx, rows: { product: ListingRow; shop: ShopRow }[]): Promise<ListingDto[]> {
  const ratings = await shopRatings(ctx, [...new Set(rows.map((r) => r.shop.id))]);
  const now = ctx.clock.now();
  return rows.map((r) => toListingDto(r.product, r.shop, ratings.get(r.shop.id) ?? { sum: 0, count: 0 }, now));
}

/**
 * The shape of a list query: its filter and order, with every value a `sql.placeholder`, so it is built
 * and prepared once per process (building drizzle SQL cost more CPU than the rest of a catalog page).
 * Equal keys must build equal SQL.
 */
export interface ListingQuery {
  key: string;
  /** Names the filter alone when the key also names an order, so every sort of one filter shares its total. */
  countKey?: string;
  /**
   * `rank`: the list is ordered by this score (higher first, then by id), computed only over the first
   * `rankMax` matches the database finds (all of them when that is 0); `order` orders the matches past them.
   * `orderReadsStock`: `order` names `productStock` columns, so the list joins it. `matchesFirst`: every
   * page reads all matches and sorts them (`fewRows`), as pages of filters with few matches do.
   */
  build(): { where: SQL | undefined; order: SQL[]; onlyLiveShops: boolean; rank?: SQL; orderReadsStock?: boolean; matchesFirst?: boolean };
}

type PageRows = { product: ListingRow; shop: ShopRow }[];
type PageIds = { id: string }[];
interface ListingStatements {
  matchesFirst: boolean;
  rows: (db: Db) => Prepared<PageIds>;
  /** `rows` for a filter known to match few listings: all matches are found first, then ordered. */
  fewRows: (db: Db) => Prepared<PageIds>;
  /** With a `rank`: a page of the first `cap` matches by rank, and a page of the other matches in `order`. */
  ranked?: { rows: (db: Db) => Prepared<PageIds>; rest: (db: Db) => Prepared<PageIds> };
  count: (db: Db) => Prepared<{ total: number }[]>;
  /** The count of at most `bound` matches: stops reading after that many. */
  boundedCount: (db: Db) => Prepared<{ total: number }[]>;
}
const statements = new Map<string, ListingStatements>();

/**
 * A listing with its stock row and its shop (as `s`), as the select list of a statement that hands
 * each listing over as one JSON object (`to_json`, `json_agg`), which `toListingRow` reads: drizzle's
 * mapping of a page's 20 rows (each column's decoder and entity checks) was an eighth of the API's CPU
 * for a catalog page, and as its 31 columns pg still decoded every column's description and value on
 * each execution. Money as float8, a JSON number. Statements using it read `products` and
 * `product_stock` unaliased.
 */
export const rawListingColumns = sql.raw(`products.id, products.shop_id, products.kind, products.name, products.description,
  products.category, products.tags, products.original_price_minor::float8 AS original_price_minor,
  products.discount_price_minor::float8 AS discount_price_minor, products.price_minor::float8 AS price_minor, products.images,
  products.status, products.moderation_reason, products.rating_sum, products.rating_count, products.starts_at, products.ends_at,
  products.deleted_at, products.created_at, products.updated_at, products.changed_at, product_stock.stock, product_stock.sold_count,
  s.id AS s_id, s.name AS s_name, s.description AS s_description, s.avatar AS s_avatar, s.address AS s_address,
  s.created_at AS s_created_at, s.deleted_at AS s_deleted_at, s.banned_at AS s_banned_at`);

/** rawListingColumns as JSON: timestamps are ISO 8601 text. */
export interface RawListing {
  id: string;
  shop_id: string;
  kind: ListingRow['kind'];
  name: string;
  description: string;
  category: string;
  tags: string[];
  original_price_minor: number;
  discount_price_minor: number | null;
  price_minor: number;
  images: ListingRow['images'];
  status: ListingRow['status'];
  moderation_reason: string | null;
  rating_sum: number;
  rating_count: number;
  starts_at: string | null;
  ends_at: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
  changed_at: string;
  stock: number;
  sold_count: number;
  s_id: string;
  s_name: string;
  s_description: string | null;
  s_avatar: ShopRow['avatar'];
  s_address: string;
  s_created_at: string;
  s_deleted_at: string | null;
  s_banned_at: string | null;
}

export function toListingRow(r: RawListing): { product: ListingRow; shop: ShopRow } {
  return {
    product: {
      id: r.id,
      shopId: r.shop_id,
      kind: r.kind,
      name: r.name,
      description: r.description,
      category: r.category,
      tags: r.tags,
      originalPriceMinor: r.original_price_minor,
      discountPriceMinor: r.discount_price_minor,
      priceMinor: r.price_minor,
      images: r.images,
      status: r.status,
      moderationReason: r.moderation_reason,
      ratingSum: r.rating_sum,
      ratingCount: r.rating_count,
      startsAt: jsonTime(r.starts_at),
      endsAt: jsonTime(r.ends_at),
      deletedAt: jsonTime(r.deleted_at),
      createdAt: jsonTime(r.created_at),
      updatedAt: jsonTime(r.updated_at),
      changedAt: jsonTime(r.changed_at),
      stock: r.stock,
      soldCount: r.sold_count,
    },
    shop: {
      id: r.s_id,
      name: r.s_name,
      description: r.s_description,
      avatar: r.s_avatar,
      address: r.s_address,
      createdAt: jsonTime(r.s_created_at),
      deletedAt: jsonTime(r.s_deleted_at),
      bannedAt: jsonTime(r.s_banned_at),
    },
  };
}

/**
 * A page's listings with their stock and shops, by id: a named statement, so each connection plans it
 * once (planning the three-table join with a list's filter and order took longer than running it, so
 * the list statements select ids from `products` alone and this joins them). The shop is a lateral
 * lookup per listing: joined plainly, the planner hashes all 1,000 shops for 20 rows (0.4 ms a page this
 * way, 4 ms that way, pgbench on the 100,000-product seed).
 */
const listingsByIdStatement = namedStatement<{ rows: (RawListing & RowVersions)[] }>(
  sql`SELECT coalesce(json_agg(r), '[]') AS rows FROM (
        SELECT ${rawListingColumns}, products.xmin::text AS listing_stamp, s.xmin::text AS shop_stamp
        FROM ${products} JOIN ${productStock} ON product_stock.product_id = products.id
        CROSS JOIN LATERAL (SELECT id, name, description, avatar, address, created_at, deleted_at, banned_at, xmin
          FROM ${shops} WHERE shops.id = products.shop_id LIMIT 1) s
        WHERE products.id = ANY (${sql.placeholder('ids')}::text[])) r`,
);
// An aggregate answers one row, whatever it finds.
const listingsById = async (db: Db, ids: string[]) => (await listingsByIdStatement(db, { ids: textArray(ids) }))[0]!.rows;

function statementsFor(query: ListingQuery): ListingStatements {
  let found = statements.get(query.key);
  if (found) return found;
  const { where: filter, order, onlyLiveShops, rank, orderReadsStock, matchesFirst = false } = query.build();
  const where = onlyLiveShops ? and(filter, fromLiveShop) : filter;
  const ids = (db: Db) => {
    const q = db.select({ id: products.id }).from(products);
    return orderReadsStock ? q.innerJoin(productStock, withStock) : q;
  };
  const fullOrder = rank ? [desc(rank), desc(products.id)] : order;
  // Unnamed statements (''): the server plans each execution for its own values, which a search needs
  // (a rare word and a common one want different plans).
  found = {
    matchesFirst,
    rows: prepared((db) => ids(db).where(where).orderBy(...fullOrder).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare('')),
    // The planner walks a sort's index and filters, expecting matches spread along it; when words and a
    // category rarely meet (q=laptop&category=Shoes), that walk reads the whole index for nothing (~1 s).
    fewRows: prepared((db) =>
      ids(db)
        .where(sql`${products.id} = ANY (ARRAY(${db.select({ id: products.id }).from(products).where(where)}))`)
        .orderBy(...fullOrder)
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'))
        .prepare(''),
    ),
    count: prepared((db) => db.select({ total: count() }).from(products).where(where).prepare('')),
    boundedCount: prepared((db) =>
      db
        .select({ total: count() })
        .from(db.select({ one: sql`1` }).from(products).where(where).limit(sql.placeholder('bound')).as('matches'))
        .prepare(''),
    ),
  };
  if (rank) {
    // The first `cap` matches in the order the scan finds them (no ORDER BY: a word in a tenth of the
    // catalog is found after reading a tenth of it for 1,000 matches, instead of reading and ranking all).
    const candidates = (db: Db) => db.select({ id: products.id }).from(products).where(where).limit(sql.placeholder('cap'));
    found.ranked = {
      rows: prepared((db) => {
        const scored = db
          .select({ id: products.id, score: sql<number>`${rank}`.as('score') })
          .from(products)
          .where(where)
          .limit(sql.placeholder('cap'))
          .as('scored');
        return db
          .select({ id: scored.id })
          .from(scored)
          .orderBy(desc(scored.score), desc(scored.id))
          .limit(sql.placeholder('limit'))
          .offset(sql.placeholder('offset'))
          .prepare('');
      }),
      rest: prepared((db) =>
        ids(db)
          .where(and(where, sql`${products.id} <> ALL (ARRAY(${candidates(db)}))`))
          .orderBy(...order)
          .limit(sql.placeholder('limit'))
          .offset(sql.placeholder('offset'))
          .prepare(''),
      ),
    };
  }
  statements.set(query.key, found);
  return found;
}

/**
 * The ids of a page's listings, in order: by `rank` over the first `rankMax` matches and then the other
 * matches in `order`, when the query ranks; else in `order`.
 */
async function pageIds(ctx: Ctx, st: ListingStatements, values: Record<string, unknown>, input: PageInput, rankMax: number, few: boolean): Promise<string[]> {
  const offset = offsetOf(input);
  const { limit } = input;
  const idsOf = (rows: PageIds) => rows.map((r) => r.id);
  if (few) return idsOf(await st.fewRows(ctx.db).execute({ ...values, limit, offset }));
  if (!st.ranked || rankMax <= 0) return idsOf(await st.rows(ctx.db).execute({ ...values, limit, offset }));
  const cap = rankMax;
  const [ranked, rest] = await Promise.all([
    offset < cap ? st.ranked.rows(ctx.db).execute({ ...values, cap, offset, limit: Math.min(limit, cap - offset) }) : [],
    offset + limit > cap ? st.ranked.rest(ctx.db).execute({ ...values, cap, offset: Math.max(offset - cap, 0), limit: Math.min(limit, offset + limit - cap) }) : [],
  ]);
  return [...idsOf(ranked), ...idsOf(rest)];
}

/** The listings of a page, in the order of `ids`, with their rows' versions. */
async function pageRows(ctx: Ctx, ids: string[]): Promise<(PageRows[number] & RowVersions)[]> {
  if (ids.length === 0) return [];
  const rows = (await listingsById(ctx.db, ids)).map((r) => ({ ...toListingRow(r), listing_stamp: r.listing_stamp, shop_stamp: r.shop_stamp }));
  const byId = new Map(rows.map((r) => [r.product.id, r]));
  // A listing deleted for good between the two reads is left out.
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** One page of listings with their shops, and the exact total (reused as listingIds says). */
export async function listingPage(
  ctx: Ctx,
  query: ListingQuery,
  values: Record<string, unknown>,
  input: PageInput,
): Promise<ListingPage & { items: ListingDto[] }> {
  const { ids, found } = await listingIds(ctx, query, values, input);
  return { items: await toListingDtos(ctx, await pageRows(ctx, ids)), ...pageFound(found, 0, input) };
}

/**
 * A page's listing ids and the matches found. The count is exact (or, with `totalMax`, exact up to that
 * bound: at most `totalMax` + 1), but reused for LIST_TOTAL_CACHE_MS: counting a broad filter scans all
 * of it. With a bound, the count comes first and chooses the page's plan: a filter with at most
 * `totalMax` matches reads them all and orders them (`fewRows`), a page past the last match reads nothing.
 */
async function listingIds(
  ctx: Ctx,
  query: ListingQuery,
  values: Record<string, unknown>,
  input: PageInput,
  bounds: { totalMax?: number; rankMax?: number } = {},
): Promise<{ ids: string[]; found: number }> {
  const { totalMax = 0, rankMax = 0 } = bounds;
  const st = statementsFor(query);
  const { count: counted, boundedCount } = st;
  const total = () =>
    cachesFor(ctx).totals.getOrCompute(`${query.countKey ?? query.key}|${totalMax}|${JSON.stringify(values)}`, async () => {
      // One more than the bound tells "exactly the bound" from "more than it".
      const [row] = totalMax > 0 ? await boundedCount(ctx.db).execute({ ...values, bound: totalMax + 1 }) : await counted(ctx.db).execute(values);
      return row?.total ?? 0;
    });
  if (totalMax > 0) {
    const found = await total();
    const few = found <= totalMax || st.matchesFirst;
    return { ids: few && offsetOf(input) >= found ? [] : await pageIds(ctx, st, values, input, rankMax, few), found };
  }
  const [ids, found] = await Promise.all([pageIds(ctx, st, values, input, rankMax, st.matchesFirst), total()]);
  return { ids, found };
}

/** A page's fields from the matches found (as listingIds counts them). */
function pageFound(found: number, totalMax: number, input: PageInput): ListingPage {
  const totalExact = totalMax === 0 || found <= totalMax;
  return { ...pageOf(totalExact ? found : totalMax, input), totalExact };
}

const PRODUCTS_KEY = Buffer.from('{"products":');

/**
 * The same, for a page everyone sees alike (the public catalog), picked by `fromIndex` (the in-process
 * catalog index, catalog-index.ts) when it answers, whose total is counted only up to
 * CATALOG_TOTAL_MAX (counting a broad filter reads every match; a storefront shows "1,000+"):
 * `totalExact` says whether `total` is the count or that bound; relevance ranks the first
 * CATALOG_RANK_MAX matches. The page is `{ products, ...page }` as JSON bytes, its listings rendered
 * from templates kept per listing once seen twice (listing-json.ts) with their stock read afresh, then reused for
 * CATALOG_PAGE_CACHE_MS (30 s), so the storefront's popular pages cost one read per 30 s per
 * process however many shoppers ask, and the cache holds bytes outside the JavaScript heap rather than
 * objects in it (1,000 pages of objects were ~25 MB of live heap, which V8 grows its heap by a multiple
 * of under load). A catalog write in this process drops them all at once (catalogChanged). Within that
 * time a page may show a listing's previous stock count, sold count or rating (never a listing deleted,
 * hidden, sold out or edited in this process); the product page and checkout always read the row itself.
 */
export async function sharedListingPage(
  ctx: Ctx,
  query: ListingQuery,
  values: Record<string, unknown>,
  input: PageInput,
  fromIndex?: (totalMax: number) => Promise<{ ids: string[]; found: number } | undefined>,
): Promise<Buffer> {
  const key = `${query.key}|${JSON.stringify(values)}|${input.page}|${input.limit}`;
  const { catalogTotalMax: totalMax, catalogRankMax: rankMax } = ctx.config;
  return cachesFor(ctx).pages.getOrCompute(key, async () => {
    const { ids, found } = (await fromIndex?.(totalMax)) ?? (await listingIds(ctx, query, values, input, { totalMax, rankMax }));
    const listed = await readListings(ctx.db, ids, {
      full: async (some) => {
        const rows = await pageRows(ctx, some);
        const dtos = await toListingDtos(ctx, rows);
        return rows.map((r, i) => ({ dto: dtos[i]!, listing_stamp: r.listing_stamp, shop_stamp: r.shop_stamp }));
      },
      shopRatings: (shopIds) => shopRatings(ctx, shopIds),
    });
    // {"products":[…],"page":…}: the page object's own brace opens it no more.
    return renderListings(PRODUCTS_KEY, listed, Buffer.from(`,${JSON.stringify(pageFound(found, totalMax, input)).slice(1)}`));
  });
}

/**
 * Whether the caller sees all of one shop's listings (its owner, an admin) or only the public ones.
 * A closed or banned shop is a 404 to the public.
 */
export async function shopListingViewer(ctx: Ctx, shopId: string): Promise<boolean> {
  const privileged = isOwner(ctx.actor, shopId) || isAdmin(ctx.actor);
  const [shop] = await ctx.db
    .select({ id: shops.id })
    .from(shops)
    .where(privileged ? eq(shops.id, shopId) : and(eq(shops.id, shopId), shopIsLive));
  if (!shop) throw notFound('Shop');
  return privileged;
}
