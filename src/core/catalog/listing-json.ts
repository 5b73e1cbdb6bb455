import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { namedStatement, textArray } from '../db/prepared.ts';
import { products, productStock, shops } from '../db/schema/index.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { averageRating, type ListingDto, type ShopRating } from './dto.ts';
import { hashString } from './slot-ids.ts';

/*
 * A public catalog page's listings as JSON bytes, each rendered from a template kept across requests
 * (from its second sighting on; the first time, its DTO is serialized as it is: Sightings): a listing's
 * JSON, once written, is reused for as long as its row is unchanged, and its shop's for as
 * long as the shop's row is; only what changes without touching either row (stock and units sold, in
 * product_stock; the shop's rating, summed over its listings) is filled in per page. Decoding a page's
 * 20 wide rows, building their DTOs and serializing them was most of the API's own CPU for an uncached
 * page; with templates, a page whose listings all have one reads six narrow columns a listing
 * (readListings).
 *
 * A template is valid for the row version it was written from: PostgreSQL gives every row version the
 * `xmin` of the transaction that wrote it, whichever process or clock wrote it, so any update to the row
 * is a different stamp. Templates are bytes in shared slabs (outside V8's heap, which grows by a
 * multiple of what lives in it, and without an object per template), at most MAX_LISTINGS listings
 * (~0.6 KB each) and MAX_SHOPS shops, oldest first out, so memory stays bounded whatever is browsed.
 *
 * The public catalog lists products only. An event's DTO also has a phase that moves with the clock,
 * which a template would freeze, so an event is refused here (event lists read whole rows).
 */

// Each 5,000 listings kept cost ~10 MB of the API's RSS on the bench's catalog mix (slabs, their
// objects, the heap they grow), against the RSS goal of issue 13; a page needs 20.
const MAX_LISTINGS = 5_000;
const MAX_SHOPS = 5_000;
/** A template expires this long after it was written, so an idle process gives its memory back (a listing still shown is templated again). */
const TEMPLATE_TTL_MS = 10 * 60_000;
const SLAB_BYTES = 64 * 1024;

// Where a value goes, the template holds a NUL byte and a code: JSON.stringify writes U+0000 as the six
// characters \u0000, so a raw NUL never occurs in JSON text otherwise.
const codes = { stock: 0, sold: 1, shop: 2, shopRating: 3 } as const;
type Code = (typeof codes)[keyof typeof codes];
const placeholder = (code: Code) => `\u0000${code}`;
const placeholderJson = /"\\u0000(\d)"/g;
/** No value written in a slot is longer than this (an int4, a rating). */
const MAX_VALUE_BYTES = 12;

interface Template {
  stamp: string;
  slab: Buffer;
  start: number;
  end: number;
}

/** A listing's and its shop's row versions (`xmin::text`). */
export interface RowVersions {
  listing_stamp: string;
  shop_stamp: string;
}

/** What the narrow read gives of a listing. */
interface ListingStamp extends RowVersions {
  id: string;
  shop_id: string;
  stock: number;
  sold_count: number;
}

/** Each listing's and its shop's row version and the listing's stock row, by id: no text but ids. */
const stampsByIdStatement = namedStatement<ListingStamp>(
  sql`SELECT products.id, products.shop_id, products.xmin::text AS listing_stamp, s.xmin::text AS shop_stamp,
        product_stock.stock, product_stock.sold_count
      FROM ${products} JOIN ${productStock} ON product_stock.product_id = products.id
      CROSS JOIN LATERAL (SELECT xmin FROM ${shops} WHERE shops.id = products.shop_id LIMIT 1) s
      WHERE products.id = ANY (${sql.placeholder('ids')}::text[])`,
);

// Listings seen once, as bits of their ids' hashes: 64 KB, cleared when a quarter is set.
const SIGHTING_BITS = 1 << 19;

/**
 * A listing is templated on its second sighting: a long-tail page is mostly listings read once, for
 * which writing a template costs more than serializing the DTO (158 µs against 94 µs for 20) and keeps
 * bytes nobody reuses. A hash collision only templates a listing on its first sighting.
 */
class Sightings {
  private bits = new Uint8Array(SIGHTING_BITS / 8);
  private set = 0;

  /** Marks `id` seen; whether it was seen before. */
  sight(id: string): boolean {
    const bit = hashString(id) % SIGHTING_BITS;
    const mask = 1 << (bit & 7);
    if (this.bits[bit >> 3]! & mask) return true;
    if (++this.set > SIGHTING_BITS / 4) {
      this.bits.fill(0);
      this.set = 1;
    }
    this.bits[bit >> 3]! |= mask;
    return false;
  }
}

/** Appends templates' bytes to 64 KB slabs; a slab is freed once no template in it is referenced. */
class Slabs {
  private slab = Buffer.alloc(0);
  private used = 0;

  store(json: string): { slab: Buffer; start: number; end: number } {
    const length = Buffer.byteLength(json);
    if (this.used + length > this.slab.length) {
      // Zero-filled: the byte after the last template of a slab is a NUL, which bounds render's search.
      this.slab = Buffer.alloc(Math.max(SLAB_BYTES, length + 1));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.slab.write(json, start);
    return { slab: this.slab, start, end: this.used };
  }
}

interface Templates {
  slabs: Slabs;
  sightings: Sightings;
  listings: TtlCache<Template>;
  shops: TtlCache<Template>;
}
const templatesByDb = new WeakMap<Db, Templates>();
function templatesOf(db: Db): Templates {
  let found = templatesByDb.get(db);
  if (!found)
    templatesByDb.set(
      db,
      (found = { slabs: new Slabs(), sightings: new Sightings(), listings: new TtlCache(TEMPLATE_TTL_MS, MAX_LISTINGS), shops: new TtlCache(TEMPLATE_TTL_MS, MAX_SHOPS) }),
    );
  return found;
}

const templateText = (value: unknown) => JSON.stringify(value).replace(placeholderJson, '\u0000$1');

function listingTemplate(slabs: Slabs, dto: ListingDto, stamp: string): Template {
  const text = templateText({ ...dto, stock: placeholder(codes.stock), sold_out: placeholder(codes.sold), shop: placeholder(codes.shop) });
  return { stamp, ...slabs.store(text) };
}

const shopTemplate = (slabs: Slabs, dto: ListingDto, stamp: string): Template => ({
  stamp,
  ...slabs.store(templateText({ ...dto.shop, ratings: placeholder(codes.shopRating) })),
});

/** A templated listing to render: its templates and its volatile values as they were read. */
interface Templated {
  listing: Template;
  shop: Template;
  stock: number;
  sold: number;
  shopRating: number;
}
/** A listing to render: templated, or (seen once) its JSON. */
export type Listed = Templated | { json: string };

export interface ListingSources {
  /** Listings as DTOs from their full rows, with the rows' versions (a listing deleted for good is left out). */
  full(ids: string[]): Promise<({ dto: ListingDto } & RowVersions)[]>;
  shopRatings(shopIds: string[]): Promise<Map<string, ShopRating>>;
}

/**
 * The listings `ids` in that order, ready to render (a listing deleted for good since its id was picked
 * is left out). When every one has a template: one narrow read, then full rows only for listings whose
 * template, or whose shop's, is stale. Otherwise the full rows of all, in one read as without templates,
 * and the stale templates, and those of listings seen before (Sightings), are written; a listing seen
 * for the first time is serialized as it is. A second round trip for the few missing ones cost the
 * database more than the decoding it saved (the catalog mix, whose long-tail pages share some listings
 * with popular ones, read 0.54–0.67x of its reference that way against 0.67–0.86x before templates).
 */
export async function readListings(db: Db, ids: string[], from: ListingSources): Promise<Listed[]> {
  if (ids.length === 0) return [];
  const cache = templatesOf(db);
  const listingOf = new Map<string, Template>();
  const shopOf = new Map<string, Template>();
  // Each listing's volatile values; the shop's rating (the average) comes with a full row's DTO.
  const current = new Map<string, { shop_id: string; stock: number; sold_count: number; shopRating?: number }>();
  let stale = ids;
  let narrowShops: string[] = [];
  const known = new Map<string, Template>();
  for (const id of ids) {
    const listing = cache.listings.get(id);
    if (!listing) break;
    known.set(id, listing);
  }
  if (known.size === ids.length) {
    stale = [];
    for (const r of await stampsByIdStatement(db, { ids: textArray(ids) })) {
      current.set(r.id, r);
      const listing = known.get(r.id);
      const shop = shopOf.get(r.shop_id) ?? cache.shops.get(r.shop_id);
      if (shop?.stamp === r.shop_stamp) shopOf.set(r.shop_id, shop);
      if (listing?.stamp === r.listing_stamp && shop?.stamp === r.shop_stamp) listingOf.set(r.id, listing);
      else stale.push(r.id);
    }
    narrowShops = [...new Set([...current.values()].map((r) => r.shop_id))];
  }
  const [fresh, ratings] = await Promise.all([
    stale.length > 0 ? from.full(stale) : [],
    narrowShops.length > 0 ? from.shopRatings(narrowShops) : new Map<string, ShopRating>(),
  ]);
  const once = new Map<string, string>();
  for (const { dto, listing_stamp, shop_stamp } of fresh) {
    if (dto.eventStatus !== undefined) throw new Error(`Listing ${dto._id} is an event: its phase moves with the clock, so it is never templated`);
    const keptListing = cache.listings.get(dto._id);
    if (keptListing === undefined && !cache.sightings.sight(dto._id)) {
      once.set(dto._id, JSON.stringify(dto));
      continue;
    }
    // Values as this read found them (newer than the narrow read's, if a sale fell between the two).
    current.set(dto._id, { shop_id: dto.shopId, stock: dto.stock, sold_count: dto.sold_out, shopRating: dto.shop.ratings });
    const listing = keptListing?.stamp === listing_stamp ? keptListing : listingTemplate(cache.slabs, dto, listing_stamp);
    listingOf.set(dto._id, listing);
    if (listing !== keptListing) cache.listings.set(dto._id, listing);
    if (shopOf.get(dto.shopId)?.stamp === shop_stamp) continue;
    const kept = cache.shops.get(dto.shopId);
    const shop = kept?.stamp === shop_stamp ? kept : shopTemplate(cache.slabs, dto, shop_stamp);
    shopOf.set(dto.shopId, shop);
    if (shop !== kept) cache.shops.set(dto.shopId, shop);
  }
  return ids.flatMap((id): Listed[] => {
    const json = once.get(id);
    if (json !== undefined) return [{ json }];
    const r = current.get(id);
    const listing = listingOf.get(id);
    const shop = r && shopOf.get(r.shop_id);
    if (!r || !listing || !shop) return [];
    const rating = ratings.get(r.shop_id) ?? { sum: 0, count: 0 };
    const shopRating = r.shopRating ?? averageRating(rating.sum, rating.count);
    return [{ listing, shop, stock: r.stock, sold: r.sold_count, shopRating }];
  });
}

// Pages are written here, then copied out at their exact length into their own memory: a Buffer keeps its
// whole allocation alive (the bound it was written in, or for a small one, Node's shared 8 KB pool), and a
// page kept in the page cache should hold only its own bytes.
let scratch = Buffer.allocUnsafe(SLAB_BYTES);

/** `head`, the listings as a JSON array, `tail`, in one buffer: byte for byte what JSON.stringify writes of their DTOs. */
export function renderListings(head: Buffer, listed: Listed[], tail: Buffer): Buffer {
  let bound = head.length + 2 + listed.length + tail.length;
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  for (const l of listed) bound += 'json' in l ? 3 * l.json.length : l.listing.end - l.listing.start + l.shop.end - l.shop.start + 5 * MAX_VALUE_BYTES;
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  const out = scratch;
  let at = head.copy(out, 0);
  out[at++] = 0x5b; // [
  listed.forEach((l, i) => {
    if (i > 0) out[at++] = 0x2c; // ,
    at = 'json' in l ? at + out.write(l.json, at) : fill(out, at, l.listing, l);
  });
  out[at++] = 0x5d; // ]
  at += tail.copy(out, at);
  const page = Buffer.allocUnsafeSlow(at);
  out.copy(page, 0, 0, at);
  return page;
}

/** Copies template `t` into `out` at `at` with its values filled in from `l`; returns the new end. */
function fill(out: Buffer, at: number, t: Template, l: Templated): number {
  let from = t.start;
  for (;;) {
    const nul = t.slab.indexOf(0, from);
    if (nul < 0 || nul >= t.end) return at + t.slab.copy(out, at, from, t.end);
    at += t.slab.copy(out, at, from, nul);
    const code = t.slab[nul + 1]! - 0x30;
    if (code === codes.shop) at = fill(out, at, l.shop, l);
    else at += out.write(valueOf(code as Code, l), at, 'latin1');
    from = nul + 2;
  }
}

function valueOf(code: Code, l: Templated): string {
  switch (code) {
    case codes.stock:
      return String(l.stock);
    case codes.sold:
      return String(l.sold);
    default:
      return String(l.shopRating);
  }
}
