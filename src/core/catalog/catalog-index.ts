import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { products, productStock, publicListing, shops } from '../db/schema/index.ts';
import { catalogVersion } from './catalog-version.ts';
import { ratingX10 } from './dto.ts';
import { SlotIds } from './slot-ids.ts';

/*
 * The public catalog's sort and filter attributes and its search words, in this process's memory, so a
 * catalog page is answered without asking PostgreSQL to find, order and count matches (2–160 ms of
 * database time a page, most of it for the long tail of filters no index serves well): the index picks
 * the page's ids and counts the matches, then one read by id fetches the rows (fresh stock, names, prices).
 *
 * What it holds: every public listing (an active, undeleted product) with its shop, category, price,
 * rating ×10, rating count, creation time (µs, as stored), units sold and its search vector's lexemes
 * with their weights, read from PostgreSQL's own tsvector, so stemming stays PostgreSQL's: a query's words
 * are stemmed by `to_tsquery` once per distinct query and cached.
 *
 * Freshness: a trigger stamps `products.changed_at` with the database's clock on every update (migration
 * 0014). Before answering, the index reads the rows changed since its last look when that look is older
 * than CATALOG_INDEX_REFRESH_MS, or when this process changed the catalog since (catalogChanged), and the
 * set of closed or banned shops. Each look starts from the start of the oldest transaction that was
 * writing at the previous one (changesFrom), so a write committed after a look is still seen at the next. Units sold change with every
 * sale (product_stock, no stamp), so they are reread whole every SOLD_REFRESH_MS (or CATALOG_INDEX_REFRESH_MS
 * after a change through this process): best_selling may order by counts that old; the counts a page shows are read with its rows. A changed listing takes a new slot and
 * its old one is left dead; the whole index is reloaded once dead slots are a quarter of all.
 *
 * Relevance (sort=relevance with words) ranks every match, as ts_rank's calc_rank_or scores one word: each
 * occurrence weighs by where it is (name 1.0, category and tags 0.4, description 0.2), the best one fully
 * and further ones less (1/n²); a query's words add up. Ties: the newer id first, as the SQL path.
 */

const CHANGE_OVERLAP_MS = 1000;
const SOLD_REFRESH_MS = 10_000;
/** Rows read per statement while loading, so the load never holds the whole catalog's rows at once. */
const LOAD_CHUNK = 2000;
/** Common terms whose bit sets are kept (12.5 KB each for 100,000 listings). */
const MAX_BITSETS = 256;
/** Distinct query strings whose stemmed form is kept. */
const MAX_CACHED_QUERIES = 10_000;

export const indexSorts = ['newest', 'price_asc', 'price_desc', 'best_selling', 'top_rated'] as const;
export type IndexSort = (typeof indexSorts)[number];

export interface IndexQuery {
  /** The prefix query (prefixQuery) for to_tsquery, or undefined for no words. */
  q?: string;
  category?: string;
  shop?: string;
  minPrice?: number;
  maxPrice?: number;
  minRating10?: number;
  sort: IndexSort | 'relevance';
  offset: number;
  limit: number;
  /** Count matches up to this many (0: all); `found` is then at most one more. */
  totalMax: number;
}

// ts_rank's default weights by label: D, C, B, A.
const WEIGHTS = [0.1, 0.2, 0.4, 1.0];
const SUM_INV_SQUARES = 1.64493406685;

/** A growable typed array pair: the listings (doc slots) of one lexeme with that lexeme's score in each. */
class Postings {
  docs: Int32Array;
  scores: Float32Array;
  n = 0;
  constructor(capacity = 4) {
    this.docs = new Int32Array(capacity);
    this.scores = new Float32Array(capacity);
  }
  push(doc: number, score: number): void {
    if (this.n === this.docs.length) {
      const docs = new Int32Array(Math.max(4, this.n * 2));
      docs.set(this.docs);
      this.docs = docs;
      const scores = new Float32Array(docs.length);
      scores.set(this.scores);
      this.scores = scores;
    }
    this.docs[this.n] = doc;
    this.scores[this.n++] = score;
  }
}

/**
 * A tsvector's text form ('lexeme':1A,5B 'other':3) → [lexeme, score] per lexeme, the score as ts_rank's
 * calc_rank_or gives one word (positions in order, the best weight fully and each other one by 1/(j+1)²).
 */
export function parseTsvector(text: string): [string, number][] {
  const out: [string, number][] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && text[i] === ' ') i++;
    if (i >= n || text[i] !== "'") break;
    let lexeme = '';
    i++;
    for (;;) {
      const quote = text.indexOf("'", i);
      if (quote < 0) return out;
      lexeme += text.slice(i, quote);
      if (text[quote + 1] === "'") {
        lexeme += "'";
        i = quote + 2;
      } else {
        i = quote + 1;
        break;
      }
    }
    let sum = 0;
    let best = -1;
    let bestAt = 0;
    let j = 0;
    if (text[i] === ':') {
      i++;
      while (i < n && text[i] !== ' ') {
        while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
        let w = WEIGHTS[0]!;
        const label = text[i];
        if (label === 'A' || label === 'B' || label === 'C' || label === 'D') {
          w = WEIGHTS['DCBA'.indexOf(label)]!;
          i++;
        }
        sum += w / ((j + 1) * (j + 1));
        if (w > best) {
          best = w;
          bestAt = j;
        }
        j++;
        if (text[i] === ',') i++;
      }
    } else {
      // No positions (a stripped vector): ts_rank counts one occurrence of weight D.
      best = WEIGHTS[0]!;
      sum = best;
    }
    out.push([lexeme, (best + sum - best / ((bestAt + 1) * (bestAt + 1))) / SUM_INV_SQUARES]);
  }
  return out;
}

/**
 * to_tsquery's text ('leather' & 'jack':*) → its terms, or undefined for a shape the index does not
 * answer (an operator other than &): the SQL path answers those.
 */
export function parseTsquery(text: string): { lexeme: string; prefix: boolean }[] | undefined {
  const terms: { lexeme: string; prefix: boolean }[] = [];
  if (text.trim() === '') return terms;
  for (const part of text.split(' & ')) {
    const m = /^'((?:[^']|'')*)'(:\*)?$/.exec(part.trim());
    if (!m) return undefined;
    terms.push({ lexeme: m[1]!.replaceAll("''", "'"), prefix: m[2] !== undefined });
  }
  return terms;
}

interface Row {
  id: string;
  shopId: string;
  category: string;
  price: string;
  ratingSum: number;
  ratingCount: number;
  createdUs: string;
  changedUs: string;
  live: boolean;
  search: string;
  sold: number;
}

// publicListing's predicate as text, for ts_stat, which takes its query as a string.
const PUBLIC_PRODUCT = "kind = 'product' AND status = 'active' AND deleted_at IS NULL";

const rowColumns = {
  id: products.id,
  shopId: products.shopId,
  category: products.category,
  price: sql<string>`${products.priceMinor}::text`,
  ratingSum: products.ratingSum,
  ratingCount: products.ratingCount,
  createdUs: sql<string>`(extract(epoch from ${products.createdAt}) * 1000000)::bigint::text`,
  changedUs: sql<string>`(extract(epoch from ${products.changedAt}) * 1000000)::bigint::text`,
  live: sql<boolean>`(${publicListing(products, 'product')})`,
  search: sql<string>`${products.search}::text`,
  sold: productStock.soldCount,
};

export class CatalogIndex {
  private cap = 0;
  private n = 0;
  private readonly ids = new SlotIds();
  private shop = new Int32Array(0);
  private category = new Int32Array(0);
  private price = new Float64Array(0);
  private rating10 = new Int32Array(0);
  private ratingCount = new Int32Array(0);
  private created = new Float64Array(0);
  private sold = new Int32Array(0);
  private changed = new Float64Array(0);
  private alive = new Uint8Array(0);
  private dead = 0;
  /** Slots below this were loaded in id order. */
  private ordered = 0;
  private readonly shopIndex = new Map<string, number>();
  private shopOff = new Uint8Array(0);
  private readonly categoryIndex = new Map<string, number>();
  private readonly terms = new Map<string, Postings>();
  private sortedLexemes: string[] | undefined;
  private perms = new Map<IndexSort, Int32Array>();
  /** Common terms' slots as bit sets (commonSets), valid while no slot is added (`added` = slot count then). */
  private readonly bitsets = new Map<string, { added: number; bits: Uint32Array }>();
  private posOf = new Map<IndexSort, Int32Array>();
  // Per-query scratch, reused: which words a slot matched so far (an epoch-stamped count) and its score.
  private stamp = new Int32Array(0);
  private score = new Float32Array(0);
  private epoch = 0;
  /** Listable slots (alive, their shop open) in all, per category and per shop; counted on first use after a slot or shop changes. */
  private counts: { all: number; category: Int32Array; shop: Int32Array } | undefined;

  /** The database time (µs) from which the next look reads changes. */
  private since = 0;
  polledAt = 0;
  soldAt = 0;
  version = -1;

  get size(): number {
    return this.n - this.dead;
  }
  /** Memory the index holds, for measuring it: slots, lexemes and postings. */
  stats(): { listings: number; lexemes: number; postings: number } {
    let postings = 0;
    for (const p of this.terms.values()) postings += p.n;
    return { listings: this.size, lexemes: this.terms.size, postings };
  }
  get needsReload(): boolean {
    return this.dead > 1000 && this.dead * 4 > this.n;
  }

  /**
   * Reads every public listing, chunk by chunk in id order, into arrays sized beforehand (the count, and
   * ts_stat's documents per lexeme): arrays grown by doubling while loading left their discarded copies
   * as resident memory the allocator kept (100,000 listings: 63 MB of RSS for 31 MB of index).
   */
  static async load(db: Db): Promise<CatalogIndex> {
    const index = new CatalogIndex();
    index.version = catalogVersion();
    const from = await changesFrom(db);
    const [sized] = await db.select({ n: sql<number>`count(*)::int` }).from(products).where(publicListing(products, 'product'));
    index.grow(Math.ceil((sized?.n ?? 0) * 1.05) + 1024);
    const stats = (await db.execute(
      sql`SELECT word, ndoc FROM ts_stat(${`SELECT search FROM products WHERE ${PUBLIC_PRODUCT}`})`,
    )) as unknown as { rows: { word: string; ndoc: number }[] };
    for (const { word, ndoc } of stats.rows) index.terms.set(word, new Postings(Math.ceil(ndoc * 1.02) + 4));
    let after = '';
    for (;;) {
      const rows: Row[] = await db
        .select(rowColumns)
        .from(products)
        .innerJoin(productStock, eq(productStock.productId, products.id))
        .where(and(publicListing(products, 'product'), gt(products.id, after)))
        .orderBy(asc(products.id))
        .limit(LOAD_CHUNK);
      for (const row of rows) index.add(row);
      if (rows.length < LOAD_CHUNK) break;
      after = rows[rows.length - 1]!.id;
    }
    index.ordered = index.n;
    index.setShopsOff(await offShopIds(db));
    index.since = from;
    index.polledAt = index.soldAt = performance.now();
    index.rebuildOrders();
    return index;
  }

  /**
   * Applies the rows changed since the last look and the closed and banned shops. Everything is read
   * first and then applied with no await between the slots' changes and the orders' merge, so a page
   * (or refreshSold's sort) never sees slots added or killed that the orders and counts do not know of.
   */
  async refresh(db: Db): Promise<void> {
    const version = catalogVersion();
    const from = await changesFrom(db);
    const [rows, off]: [Row[], string[]] = await Promise.all([
      db
        .select(rowColumns)
        .from(products)
        .innerJoin(productStock, eq(productStock.productId, products.id))
        .where(sql`${products.changedAt} > to_timestamp(${this.since / 1e6})`),
      offShopIds(db),
    ]);
    const added: number[] = [];
    for (const row of rows) {
      const slot = this.ids.find(row.id, this.isAlive);
      if (slot !== undefined && this.changed[slot] === Number(row.changedUs)) continue;
      if (slot !== undefined) this.kill(slot);
      if (row.live) added.push(this.add(row));
    }
    // After the rows: a shop first seen in them has its index now.
    this.setShopsOff(off);
    if (rows.length > 0) this.mergeOrders(added);
    this.since = from;
    this.polledAt = performance.now();
    this.version = version;
  }

  /** Rereads every listing's units sold (raw rows: 100,000 of them through drizzle's mapping cost ~100 ms). */
  async refreshSold(db: Db): Promise<void> {
    this.soldAt = performance.now();
    const res = (await db.execute(sql`SELECT product_id, sold_count FROM ${productStock}`)) as unknown as { rows: { product_id: string; sold_count: number }[] };
    let changed = false;
    for (const { product_id: id, sold_count: count } of res.rows) {
      const slot = this.ids.find(id, this.isAlive);
      if (slot !== undefined && this.sold[slot] !== count) {
        this.sold[slot] = count;
        changed = true;
      }
    }
    if (changed) this.sortOne('best_selling');
  }

  private setShopsOff(off: string[]): void {
    const flags = new Uint8Array(this.shopIndex.size + 16);
    for (const id of off) {
      const i = this.shopIndex.get(id);
      if (i !== undefined) flags[i] = 1;
    }
    this.shopOff = flags;
    this.counts = undefined;
  }

  private grow(cap = Math.max(1024, this.cap * 2)): void {
    const re = <T extends Int32Array | Float64Array | Uint8Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.shop = re(this.shop, (c) => new Int32Array(c));
    this.category = re(this.category, (c) => new Int32Array(c));
    this.price = re(this.price, (c) => new Float64Array(c));
    this.rating10 = re(this.rating10, (c) => new Int32Array(c));
    this.ratingCount = re(this.ratingCount, (c) => new Int32Array(c));
    this.created = re(this.created, (c) => new Float64Array(c));
    this.sold = re(this.sold, (c) => new Int32Array(c));
    this.changed = re(this.changed, (c) => new Float64Array(c));
    this.alive = re(this.alive, (c) => new Uint8Array(c));
    this.ids.reserve(cap);
    this.stamp = new Int32Array(cap);
    this.score = new Float32Array(cap);
    this.epoch = 0;
    this.cap = cap;
  }

  private add(row: Row): number {
    if (this.n === this.cap) this.grow();
    const slot = this.n++;
    this.ids.append(row.id);
    let shop = this.shopIndex.get(row.shopId);
    if (shop === undefined) {
      this.shopIndex.set(row.shopId, (shop = this.shopIndex.size));
      // A shop first seen here: closed or banned ones are known from the next look at shops.
      if (shop >= this.shopOff.length) {
        const flags = new Uint8Array(shop * 2 + 16);
        flags.set(this.shopOff);
        this.shopOff = flags;
      }
    }
    this.shop[slot] = shop;
    let category = this.categoryIndex.get(row.category);
    if (category === undefined) this.categoryIndex.set(row.category, (category = this.categoryIndex.size));
    this.category[slot] = category;
    this.price[slot] = Number(row.price);
    this.rating10[slot] = ratingX10(row.ratingSum, row.ratingCount);
    this.ratingCount[slot] = row.ratingCount;
    this.created[slot] = Number(row.createdUs);
    this.changed[slot] = Number(row.changedUs);
    this.sold[slot] = row.sold;
    this.alive[slot] = 1;
    this.counts = undefined;
    for (const [lexeme, score] of parseTsvector(row.search)) {
      let postings = this.terms.get(lexeme);
      if (!postings) {
        this.terms.set(lexeme, (postings = new Postings()));
        this.sortedLexemes = undefined;
      }
      postings.push(slot, score);
    }
    return slot;
  }

  private readonly isAlive = (slot: number) => this.alive[slot] === 1;

  private kill(slot: number): void {
    if (!this.alive[slot]) return;
    this.alive[slot] = 0;
    this.dead++;
    this.counts = undefined;
  }

  /**
   * Ids in order: slots loaded at start are in id order (the load reads by id), later ones compare as
   * text. Ids are lowercase letters, digits and `_` of one length per kind, which every collation orders
   * as JavaScript does, so ties fall as the SQL path's `ORDER BY id` does.
   */
  private idOrder(): (a: number, b: number) => number {
    const { ids, ordered } = this;
    return (a, b) => (a < ordered && b < ordered ? a - b : ids.compare(a, b));
  }

  private compare(sort: IndexSort): (a: number, b: number) => number {
    const { created, price, sold, rating10, ratingCount } = this;
    const idAsc = this.idOrder();
    switch (sort) {
      case 'newest':
        return (a, b) => created[b]! - created[a]! || idAsc(b, a);
      case 'price_asc':
        return (a, b) => price[a]! - price[b]! || idAsc(a, b);
      case 'price_desc':
        return (a, b) => price[b]! - price[a]! || idAsc(b, a);
      case 'best_selling':
        return (a, b) => sold[b]! - sold[a]! || idAsc(b, a);
      case 'top_rated':
        return (a, b) => rating10[b]! - rating10[a]! || ratingCount[b]! - ratingCount[a]! || idAsc(b, a);
    }
  }

  private setOrder(sort: IndexSort, perm: Int32Array): void {
    this.perms.set(sort, perm);
    const pos = new Int32Array(this.cap).fill(-1);
    for (let i = 0; i < perm.length; i++) pos[perm[i]!] = i;
    this.posOf.set(sort, pos);
  }

  private sortOne(sort: IndexSort): void {
    const perm = new Int32Array(this.size);
    let k = 0;
    for (let slot = 0; slot < this.n; slot++) if (this.alive[slot]) perm[k++] = slot;
    this.setOrder(sort, perm.sort(this.compare(sort)));
  }

  private rebuildOrders(): void {
    for (const sort of indexSorts) this.sortOne(sort);
  }

  /** Drops dead slots from each order and merges the new ones in: O(size) instead of a full sort. */
  private mergeOrders(added: number[]): void {
    for (const sort of indexSorts) {
      const cmp = this.compare(sort);
      const fresh = [...added].sort(cmp);
      const old = this.perms.get(sort)!;
      const out = new Int32Array(this.size);
      let k = 0;
      let f = 0;
      for (let i = 0; i < old.length; i++) {
        const slot = old[i]!;
        if (!this.alive[slot]) continue;
        while (f < fresh.length && cmp(fresh[f]!, slot) < 0) out[k++] = fresh[f++]!;
        out[k++] = slot;
      }
      while (f < fresh.length) out[k++] = fresh[f++]!;
      this.setOrder(sort, out.subarray(0, k));
    }
  }

  /**
   * Each term's slots as a bit set, when every term matches at least a sixteenth of the catalog (else
   * undefined: its postings are the cheaper way). Kept per term until a listing is added.
   */
  private commonSets(terms: { lexeme: string; prefix: boolean }[]): Uint32Array[] | undefined {
    const sets: Uint32Array[] = [];
    for (const term of terms) {
      const key = `${term.prefix ? '*' : '='}${term.lexeme}`;
      let cached = this.bitsets.get(key);
      if (cached?.added !== this.n) {
        const postings = this.postingsOf(term);
        let count = 0;
        for (const p of postings) count += p.n;
        if (count * 16 < this.size) return undefined;
        const bits = new Uint32Array((this.n >> 5) + 1);
        for (const { docs, n } of postings) for (let i = 0; i < n; i++) bits[docs[i]! >> 5]! |= 1 << (docs[i]! & 31);
        if (this.bitsets.size >= MAX_BITSETS) this.bitsets.clear();
        this.bitsets.set(key, (cached = { added: this.n, bits }));
      }
      sets.push(cached.bits);
    }
    return sets;
  }

  /** The lexemes a term matches: itself, or every lexeme it begins with a prefix term. */
  private postingsOf(term: { lexeme: string; prefix: boolean }): Postings[] {
    if (!term.prefix) {
      const p = this.terms.get(term.lexeme);
      return p ? [p] : [];
    }
    const sorted = (this.sortedLexemes ??= [...this.terms.keys()].sort());
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < term.lexeme) lo = mid + 1;
      else hi = mid;
    }
    const out: Postings[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(term.lexeme); i++) out.push(this.terms.get(sorted[i]!)!);
    return out;
  }

  /** How many listable slots are in the category, or the shop, or in all (-1: no such filter); undefined for both. */
  private listable(categoryIx: number, shopIx: number): number | undefined {
    if (categoryIx >= 0 && shopIx >= 0) return undefined;
    if (!this.counts) {
      const category = new Int32Array(this.categoryIndex.size);
      const shop = new Int32Array(this.shopIndex.size);
      let all = 0;
      for (let slot = 0; slot < this.n; slot++) {
        const s = this.shop[slot]!;
        if (this.alive[slot] !== 1 || this.shopOff[s] === 1) continue;
        all++;
        category[this.category[slot]!]!++;
        shop[s]!++;
      }
      this.counts = { all, category, shop };
    }
    return categoryIx >= 0 ? this.counts.category[categoryIx] : shopIx >= 0 ? this.counts.shop[shopIx] : this.counts.all;
  }

  /** A page's ids in order and the number of matches (counted up to `totalMax` + 1 when it is set). */
  query(query: IndexQuery, terms: { lexeme: string; prefix: boolean }[] | undefined): { ids: string[]; found: number } {
    const { alive, shopOff, shop, category, price, rating10 } = this;
    const categoryIx = query.category === undefined ? -1 : (this.categoryIndex.get(query.category) ?? -2);
    const shopIx = query.shop === undefined ? -1 : (this.shopIndex.get(query.shop) ?? -2);
    if (categoryIx === -2 || shopIx === -2) return { ids: [], found: 0 };
    const { minPrice, maxPrice, minRating10 } = query;
    const matches = (slot: number) =>
      alive[slot] === 1 &&
      shopOff[shop[slot]!] !== 1 &&
      (categoryIx < 0 || category[slot] === categoryIx) &&
      (shopIx < 0 || shop[slot] === shopIx) &&
      (minPrice === undefined || price[slot]! >= minPrice) &&
      (maxPrice === undefined || price[slot]! <= maxPrice) &&
      (minRating10 === undefined || rating10[slot]! >= minRating10);
    const want = query.offset + query.limit;

    // Without words, or with common words in a sort of their own: walk the sort's order and stop once the
    // page is full and the count reached its bound. (q=leather, in a third of the catalog, scored and
    // sorted through its postings took 0.7 ms; walking stops after ~1,000 matches.)
    const sets = terms && query.sort !== 'relevance' && terms.length > 0 ? this.commonSets(terms) : undefined;
    if (!terms || sets) {
      const sort = query.sort === 'relevance' ? 'newest' : query.sort;
      const perm = this.perms.get(sort)!;
      const ids: string[] = [];
      let found = 0;
      const stopAt = query.totalMax > 0 ? query.totalMax + 1 : Infinity;
      // Sorted by price, a price band is one stretch of the order: start at its first slot, stop past its last.
      let [from, to] = [0, perm.length];
      if (sort === 'price_asc' || sort === 'price_desc') {
        const asc = sort === 'price_asc';
        const below = (bound: number) => (i: number) => (asc ? price[perm[i]!]! < bound : price[perm[i]!]! > bound);
        if (asc ? minPrice !== undefined : maxPrice !== undefined) from = firstFalse(below((asc ? minPrice : maxPrice)!), 0, perm.length);
        const bound = asc ? maxPrice : minPrice;
        if (bound !== undefined) to = firstFalse((i) => (asc ? price[perm[i]!]! <= bound : price[perm[i]!]! >= bound), from, perm.length);
      }
      // Filtered by nothing but the category or the shop, the matches are counted already: the walk
      // stops once the page is full instead of counting on to the bound (about 10,000 slots for a
      // category's first page), and `found` is what that count would have reached.
      const counted = sets || minPrice !== undefined || maxPrice !== undefined || minRating10 !== undefined ? undefined : this.listable(categoryIx, shopIx);
      const countedFound = counted === undefined ? undefined : Math.min(counted, Math.max(want, stopAt));
      if (countedFound !== undefined && query.offset >= countedFound) return { ids, found: countedFound };
      for (let i = from; i < to; i++) {
        const slot = perm[i]!;
        if ((sets && !inAll(sets, slot)) || !matches(slot)) continue;
        found++;
        if (found > query.offset && found <= want) ids.push(this.ids.at(slot));
        if (found >= want && (found >= stopAt || countedFound !== undefined)) break;
      }
      return { ids, found: countedFound ?? found };
    }

    // Words: the slots matching every term, each with its summed score, then filtered.
    if (terms.length === 0) return { ids: [], found: 0 };
    if (this.epoch + terms.length + 1 >= 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 0;
    }
    const base = this.epoch + 1;
    this.epoch += terms.length + 1;
    const { stamp, score } = this;
    const candidates: number[] = [];
    const last = terms.length - 1;
    for (let t = 0; t <= last; t++) {
      const need = t === 0 ? -1 : base + t - 1;
      const mark = base + t;
      for (const postings of this.postingsOf(terms[t]!)) {
        const { docs, scores, n } = postings;
        for (let i = 0; i < n; i++) {
          const slot = docs[i]!;
          const s = stamp[slot]!;
          if (s === mark) score[slot]! += scores[i]!;
          else if ((t === 0 && s < base) || s === need) {
            stamp[slot] = mark;
            score[slot] = (t === 0 ? 0 : score[slot]!) + scores[i]!;
            if (t === last && matches(slot)) candidates.push(slot);
          }
        }
      }
    }
    const found = candidates.length;
    if (query.offset >= found) return { ids: [], found };
    let cmp: (a: number, b: number) => number;
    if (query.sort === 'relevance') {
      const idAsc = this.idOrder();
      cmp = (a, b) => score[b]! - score[a]! || idAsc(b, a);
    } else {
      const pos = this.posOf.get(query.sort)!;
      cmp = (a, b) => pos[a]! - pos[b]!;
    }
    return { ids: topK(candidates, want, cmp).slice(query.offset).map((slot) => this.ids.at(slot)), found };
  }
}

/** The first i in [lo, hi) where `before(i)` is false, `before` being true then false along the range. */
function firstFalse(before: (i: number) => boolean, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const inAll = (sets: Uint32Array[], slot: number) => {
  for (const bits of sets) if (((bits[slot >> 5]! >>> (slot & 31)) & 1) === 0) return false;
  return true;
};

/** The first `k` of `items` in `cmp` order, without sorting all of them when k is small. */
function topK(items: number[], k: number, cmp: (a: number, b: number) => number): number[] {
  if (items.length <= k * 4) return items.sort(cmp).slice(0, k);
  const top: number[] = [];
  // Backwards: items come in slot order, mostly id order, and equal scores rank the newest id first, so
  // once the top is full an older tie is refused at once instead of displacing the last (q=outdoor,
  // a tenth of the catalog by relevance: 1.4 ms forwards, 0.4 ms backwards).
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (top.length === k && cmp(item, top[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(top[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

/** The closed and banned shops' ids. */
async function offShopIds(db: Db): Promise<string[]> {
  const off = await db.select({ id: shops.id }).from(shops).where(sql`${shops.deletedAt} IS NOT NULL OR ${shops.bannedAt} IS NOT NULL`);
  return off.map((r) => r.id);
}

/**
 * Where the next look at changes may start (µs): before every row a transaction not yet visible to a read
 * made after this call can stamp. Such a transaction either writes already (its stamps are no earlier than
 * its start, the oldest one pg_stat_activity shows with an xid) or will write later (stamps after now).
 * CHANGE_OVERLAP_MS covers the stamp taken just before a row's xid is. pg_stat_activity shows only the
 * sessions of the app's own role (or all with pg_read_all_stats), which are the ones writing listings.
 */
async function changesFrom(db: Db): Promise<number> {
  const res = (await db.execute(sql`
    SELECT (extract(epoch from least(clock_timestamp(), (
      SELECT min(xact_start) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname = current_database()
    ))) * 1000000)::bigint::text AS at`)) as unknown as { rows: { at: string }[] };
  return Number(res.rows[0]!.at) - CHANGE_OVERLAP_MS * 1000;
}

interface Entry {
  index?: CatalogIndex;
  loading?: Promise<CatalogIndex>;
  refreshing?: Promise<void>;
  soldRefreshing?: Promise<void>;
  reloading?: Promise<void>;
  /** Stemmed queries: prefixQuery text → to_tsquery's terms (undefined: answered by SQL). */
  queries: Map<string, { lexeme: string; prefix: boolean }[] | undefined>;
}
const entries = new WeakMap<Db, Entry>();

/** Stems a prefix query with PostgreSQL's to_tsquery, once per distinct text. */
async function termsOf(db: Db, entry: Entry, q: string): Promise<{ lexeme: string; prefix: boolean }[] | undefined> {
  if (entry.queries.has(q)) return entry.queries.get(q);
  const res = (await db.execute(sql`SELECT to_tsquery('english', ${q})::text AS q`)) as unknown as { rows: { q: string }[] };
  const terms = parseTsquery(res.rows[0]!.q);
  if (entry.queries.size >= MAX_CACHED_QUERIES) entry.queries.clear();
  entry.queries.set(q, terms);
  return terms;
}

/**
 * The page's ids and match count from this process's catalog index, or undefined when the index is off
 * (CATALOG_INDEX_REFRESH_MS=0) or the query has a shape it does not answer: the caller then asks SQL.
 * The first call loads the index (the others wait for it); later calls first catch up with changes when due.
 */
export async function indexedPage(ctx: Ctx, query: IndexQuery): Promise<{ ids: string[]; found: number } | undefined> {
  if (ctx.config.catalogIndexRefreshMs <= 0) return undefined;
  try {
    return await fromIndex(ctx, query);
  } catch (err) {
    // The page is still answered, by SQL; a database that is down fails there too.
    ctx.log.warn({ err }, 'catalog index failed; the page was read by SQL');
    return undefined;
  }
}

async function fromIndex(ctx: Ctx, query: IndexQuery): Promise<{ ids: string[]; found: number } | undefined> {
  const refreshMs = ctx.config.catalogIndexRefreshMs;
  const { db } = ctx;
  let entry = entries.get(db);
  if (!entry) entries.set(db, (entry = { queries: new Map() }));
  const e = entry;
  if (!e.index) {
    e.loading ??= CatalogIndex.load(db).finally(() => (e.loading = undefined));
    e.index = await e.loading;
  }
  const index = e.index;
  const now = performance.now();
  const changedHere = index.version !== catalogVersion();
  // Units sold are reread in the background (no page waits for them); a sale through this process that
  // sells out reports a change, so its units sold show within refreshMs.
  if (!e.soldRefreshing && now - index.soldAt >= (changedHere ? refreshMs : SOLD_REFRESH_MS))
    e.soldRefreshing = index
      .refreshSold(db)
      .catch((err: unknown) => ctx.log.warn({ err }, 'catalog index: rereading units sold failed'))
      .finally(() => (e.soldRefreshing = undefined));
  // A look already under way may have started before this process's latest write committed: then look
  // again (a few times at most, so a stream of writes cannot hold a page forever).
  for (let tries = 0; tries < 3 && (index.version !== catalogVersion() || performance.now() - index.polledAt >= refreshMs); tries++) {
    e.refreshing ??= index.refresh(db).finally(() => (e.refreshing = undefined));
    await e.refreshing;
  }
  if (index.needsReload && !e.reloading) {
    // Built aside while the old one answers, then swapped in (it catches up on its first use).
    e.reloading = CatalogIndex.load(db)
      .then((fresh) => {
        e.index = fresh;
      })
      .catch((err: unknown) => ctx.log.warn({ err }, 'catalog index reload failed'))
      .finally(() => (e.reloading = undefined));
  }
  const terms = query.q === undefined ? undefined : await termsOf(db, e, query.q);
  if (query.q !== undefined && terms === undefined) return undefined;
  return index.query(query, terms);
}

/**
 * Loads the index before the first page asks for it (the API calls this before it listens), so no
 * shopper waits for the load; a failure is logged and pages are read by SQL until a later load works.
 */
export async function loadCatalogIndex(ctx: Ctx): Promise<void> {
  const started = performance.now();
  const index = await indexedPage(ctx, { sort: 'newest', offset: 0, limit: 1, totalMax: 1 });
  if (index) ctx.log.info({ listings: catalogIndexStats(ctx.db)?.listings, ms: Math.round(performance.now() - started) }, 'catalog index loaded');
}

/** `stats()` of this process's index over `db`, once it is loaded. */
export function catalogIndexStats(db: Db): { listings: number; lexemes: number; postings: number } | undefined {
  return entries.get(db)?.index?.stats();
}
