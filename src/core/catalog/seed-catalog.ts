import { is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { hashPassword } from '../auth/index.ts';
import type { WithdrawMethod } from '../db/schema/index.ts';
import { queryRows, withTx } from '../db/tx.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { prng, type Rng } from '../shared/prng.ts';
import { parseInput } from '../shared/validation.ts';

/**
 * Fills a database with shops and listings for demos and benchmarks: multi-row inserts (one `unnest`
 * statement per batch, a handful of array parameters each), deterministic pseudo-random content from
 * `seed`, so the same words, categories and prices come back on every run and text queries hit.
 */

export const seedCategories = [
  'Computers and Laptops',
  'Cosmetics and Body Care',
  'Accessories',
  'Clothes',
  'Shoes',
  'Gifts',
  'Pet Care',
  'Mobile and Tablets',
  'Music and Gaming',
  'Others',
] as const;

export const vocabulary: Record<(typeof seedCategories)[number], { nouns: string[]; tags: string[] }> = {
  'Computers and Laptops': {
    nouns: ['Laptop', 'Notebook', 'Monitor', 'Keyboard', 'Mouse', 'Docking Station', 'SSD Drive', 'Graphics Card', 'Webcam', 'Router'],
    tags: ['computer', 'laptop', 'gaming', 'office', 'wireless', 'usb', 'portable'],
  },
  'Cosmetics and Body Care': {
    nouns: ['Face Cream', 'Lipstick', 'Shampoo', 'Body Lotion', 'Perfume', 'Serum', 'Sunscreen', 'Nail Polish'],
    tags: ['skincare', 'organic', 'vegan', 'beauty', 'fragrance', 'natural'],
  },
  Accessories: {
    nouns: ['Watch', 'Sunglasses', 'Wallet', 'Belt', 'Backpack', 'Necklace', 'Bracelet', 'Scarf'],
    tags: ['fashion', 'leather', 'gift', 'travel', 'jewelry'],
  },
  Clothes: {
    nouns: ['T-Shirt', 'Hoodie', 'Jacket', 'Jeans', 'Dress', 'Sweater', 'Shorts', 'Coat'],
    tags: ['cotton', 'casual', 'summer', 'winter', 'denim', 'fashion'],
  },
  Shoes: {
    nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers', 'Running Shoes', 'Slippers', 'Heels'],
    tags: ['running', 'sport', 'leather', 'comfort', 'outdoor'],
  },
  Gifts: {
    nouns: ['Gift Box', 'Mug', 'Candle', 'Photo Frame', 'Puzzle', 'Plush Toy', 'Card Set'],
    tags: ['gift', 'birthday', 'handmade', 'holiday', 'kids'],
  },
  'Pet Care': {
    nouns: ['Dog Bed', 'Cat Tree', 'Pet Shampoo', 'Leash', 'Chew Toy', 'Aquarium Filter', 'Bird Feeder'],
    tags: ['dog', 'cat', 'pet', 'outdoor', 'grooming'],
  },
  'Mobile and Tablets': {
    nouns: ['Smartphone', 'Tablet', 'Phone Case', 'Charger', 'Screen Protector', 'Power Bank', 'Earbuds'],
    tags: ['android', 'ios', 'wireless', 'bluetooth', 'fast charging'],
  },
  'Music and Gaming': {
    nouns: ['Headphones', 'Guitar', 'Game Controller', 'Speaker', 'Microphone', 'Digital Piano', 'Console Stand'],
    tags: ['gaming', 'audio', 'music', 'bluetooth', 'studio'],
  },
  Others: {
    nouns: ['Water Bottle', 'Desk Lamp', 'Journal', 'Umbrella', 'Yoga Mat', 'Tool Kit', 'Plant Pot'],
    tags: ['home', 'outdoor', 'eco', 'kitchen', 'fitness'],
  },
};

export const adjectives = ['Classic', 'Premium', 'Vintage', 'Compact', 'Ultra', 'Eco', 'Smart', 'Deluxe', 'Modern', 'Rugged', 'Slim', 'Pro', 'Lightweight', 'Handmade', 'Travel'];
export const materials = ['Black', 'White', 'Red', 'Blue', 'Green', 'Leather', 'Wooden', 'Steel', 'Cotton', 'Bamboo'];
const shopWords = ['Sunny', 'Urban', 'Corner', 'Maple', 'Harbor', 'Golden', 'Northern', 'Little', 'Bright', 'Old Town'];
const shopKinds = ['Store', 'Market', 'Emporium', 'Goods', 'Outlet', 'Boutique', 'Trading Co', 'Supply'];
const blurbs = [
  'Built to last and easy to love.',
  'A customer favourite, shipped within two days.',
  'Designed for everyday use at home, at work and on the go.',
  'Carefully packed and backed by a one-year warranty.',
  'Great value for the quality, chosen by our buyers.',
];

export const seedCatalogInput = z.object({
  shops: z.number().int().min(1).max(100_000),
  products: z.number().int().min(0).max(5_000_000),
  /** Events (time-boxed listings): half running now, half upcoming. */
  events: z.number().int().min(0).max(1_000_000).default(0),
  seed: z.number().int().default(1),
  batchSize: z.number().int().min(1).max(10_000).default(2000),
  /**
   * Listing batches inserted at once, each in its own transaction on its own connection: computing the
   * search vectors and index entries is CPU work in the database, so two connections use two cores.
   */
  concurrency: z.number().int().min(1).max(16).default(2),
  /** A password every seeded shop can sign in with; without it seeded shops cannot sign in. */
  password: z.string().min(8).optional(),
  /** Part of every seeded shop's email (default: derived from the seed), so one seed's shops are found again. */
  tag: z
    .string()
    .regex(/^[a-z0-9-]{1,20}$/)
    .optional(),
  /** Give every shop a bank account to withdraw to (seeded marketplaces withdraw; catalog demos need not). */
  withdrawMethods: z.boolean().default(false),
  /** VACUUM ANALYZE afterwards, so the planner and index-only scans see the new rows at once. */
  analyze: z.boolean().default(true),
});
export type SeedCatalogInput = z.input<typeof seedCatalogInput>;

export interface SeedCatalogResult {
  shopIds: string[];
  productIds: string[];
  /** Units in stock of each product as inserted, in productIds order. */
  productStock: number[];
  eventIds: string[];
  /** Sign-in emails of the seeded shops, in shopIds order. */
  emails: string[];
  ms: number;
}

export type SeedProgress = (step: 'shops' | 'products' | 'events', done: number, total: number) => void;

const DAY = 86_400_000;

const shopEmail = (tag: string, n: number) => `seed-${tag}-${n}@shops.mvshop.test`;

const bankAccount = (holder: string, i: number): WithdrawMethod => ({
  bankName: 'Seed Bank',
  bankCountry: 'US',
  bankSwiftCode: 'SEEDUS33',
  bankAccountNumber: `US${String(1_000_000_000 + i * 7919).padStart(12, '0')}`,
  bankHolderName: holder,
  bankAddress: '1 Bank Street, Springfield',
});

interface ListingColumns {
  id: string[];
  shop: string[];
  name: string[];
  description: string[];
  category: string[];
  tags: string[];
  original: number[];
  discount: (number | null)[];
  stock: number[];
  sold: number[];
  images: string[];
  ratingSum: number[];
  ratingCount: number[];
  starts: (string | null)[];
  ends: (string | null)[];
  created: string[];
}

/** Columns of listings `from`..`from + n - 1`, drawn from the generator in order. */
function buildListings(rnd: Rng, kind: 'product' | 'event', from: number, n: number, shopIds: string[], now: number): ListingColumns {
  const c: ListingColumns = {
    id: [], shop: [], name: [], description: [], category: [], tags: [], original: [], discount: [], stock: [], sold: [],
    images: [], ratingSum: [], ratingCount: [], starts: [], ends: [], created: [],
  };
  for (let i = from; i < from + n; i++) {
    const cat = rnd.pick(seedCategories);
    const words = vocabulary[cat];
    const noun = rnd.pick(words.nouns);
    const adjective = rnd.pick(adjectives);
    const material = rnd.pick(materials);
    // Log-uniform prices from 1.00 to about 2,000.00, ending in .99.
    const original = Math.floor(Math.exp(Math.log(100) + rnd.next() * Math.log(2000)) / 100) * 100 + 99;
    const discounted = rnd.next() < 0.3 ? Math.floor((original * rnd.int(50, 95)) / 100) : null;
    const ratingCount = rnd.next() < 0.3 ? 0 : rnd.int(1, 200);
    const tagSet = new Set([rnd.pick(words.tags), rnd.pick(words.tags), material.toLowerCase(), adjective.toLowerCase()]);
    c.id.push(newId(kind));
    c.shop.push(shopIds[i % shopIds.length]!);
    c.name.push(`${adjective} ${material} ${noun}`);
    c.description.push(`${adjective} ${noun.toLowerCase()} in ${material.toLowerCase()}. ${rnd.pick(blurbs)}`);
    c.category.push(cat);
    c.tags.push([...tagSet].join('|'));
    c.original.push(original);
    c.discount.push(discounted !== null && discounted > 0 && discounted < original ? discounted : null);
    c.stock.push(rnd.next() < 0.05 ? 0 : rnd.int(1, 500));
    c.sold.push(Math.floor(rnd.next() ** 3 * 5000));
    c.images.push(JSON.stringify([{ public_id: `seed/${kind}-${i + 1}`, url: `https://placehold.co/600x600/png?text=${encodeURIComponent(noun)}` }]));
    c.ratingCount.push(ratingCount);
    c.ratingSum.push(ratingCount === 0 ? 0 : Math.round(ratingCount * (1 + rnd.next() * 4)));
    c.created.push(new Date(now - Math.floor(rnd.next() * 365 * DAY)).toISOString());
    if (kind === 'event') {
      const starts = i % 2 === 0 ? now - rnd.int(1, 5) * DAY : now + rnd.int(1, 20) * DAY;
      c.starts.push(new Date(starts).toISOString());
      c.ends.push(new Date(starts + rnd.int(7, 30) * DAY).toISOString());
    } else {
      c.starts.push(null);
      c.ends.push(null);
    }
  }
  return c;
}

// The listings and their stock rows in one statement (foreign keys are checked at its end).
const insertListingsSql = (kind: 'product' | 'event', c: ListingColumns) => sql`
  WITH l AS (
    SELECT * FROM unnest(${sql.param(c.id)}::text[], ${sql.param(c.shop)}::text[], ${sql.param(c.name)}::text[],
              ${sql.param(c.description)}::text[], ${sql.param(c.category)}::text[], ${sql.param(c.tags)}::text[],
              ${sql.param(c.original)}::bigint[], ${sql.param(c.discount)}::bigint[], ${sql.param(c.stock)}::int[],
              ${sql.param(c.sold)}::int[], ${sql.param(c.images)}::text[], ${sql.param(c.ratingSum)}::int[],
              ${sql.param(c.ratingCount)}::int[], ${sql.param(c.starts)}::timestamptz[], ${sql.param(c.ends)}::timestamptz[],
              ${sql.param(c.created)}::timestamptz[])
       AS l(id, shop, name, description, category, tags, original, discount, stock, sold, images, rating_sum, rating_count,
            starts, ends, created)
  ), listed AS (
    INSERT INTO products (id, shop_id, kind, name, description, category, tags, original_price_minor, discount_price_minor,
                          images, status, rating_sum, rating_count, starts_at, ends_at, created_at, updated_at)
    SELECT l.id, l.shop, ${kind}, l.name, l.description, l.category, string_to_array(l.tags, '|'), l.original, l.discount,
           l.images::jsonb, 'active', l.rating_sum, l.rating_count, l.starts, l.ends, l.created, l.created
    FROM l
  )
  INSERT INTO product_stock (product_id, stock, sold_count) SELECT l.id, l.stock, l.sold FROM l`;

/**
 * Inserts `shops` shops, then `products` (and `events`) active listings spread evenly across them. Shops
 * commit first; listing batches then commit one by one, `concurrency` at a time, so a failure part-way
 * leaves the batches already done (seeding is for fresh demo and bench databases, never for live data).
 */
export async function seedCatalog(
  ctx: Pick<Ctx, 'db' | 'clock'>,
  raw: SeedCatalogInput,
  onProgress?: SeedProgress,
): Promise<SeedCatalogResult> {
  const input = parseInput(seedCatalogInput, raw);
  const started = Date.now();
  const now = ctx.clock.now().getTime();
  const rnd = prng(input.seed);
  const tag = input.tag ?? `s${input.seed}`.replace('-', 'm');
  const taken = await queryRows(ctx.db, sql`SELECT 1 FROM shops WHERE email = ${shopEmail(tag, 1)} AND deleted_at IS NULL`);
  if (taken.length > 0)
    throw new AppError('CONFLICT', `Shops seeded with seed ${input.seed} are already in this database (${shopEmail(tag, 1)}): use another --seed`);
  // One hash for all: argon2 is deliberately slow, and an invalid hash simply never verifies.
  const passwordHash = input.password ? await hashPassword(input.password) : '!seeded-shop-without-password';

  const shopIds: string[] = [];
  const emails: string[] = [];
  await withTx(ctx, async (tx) => {
    for (let from = 0; from < input.shops; from += input.batchSize) {
      const n = Math.min(input.batchSize, input.shops - from);
      const cols = { id: [] as string[], name: [] as string[], email: [] as string[], description: [] as string[], created: [] as string[], bank: [] as (string | null)[] };
      for (let i = from; i < from + n; i++) {
        const id = newId('shop');
        const email = shopEmail(tag, i + 1);
        shopIds.push(id);
        emails.push(email);
        cols.id.push(id);
        cols.name.push(`${rnd.pick(shopWords)} ${rnd.pick(shopKinds)} ${i + 1}`);
        cols.email.push(email);
        cols.description.push(`Independent seller of ${rnd.pick(seedCategories).toLowerCase()} since ${rnd.int(2005, 2024)}.`);
        cols.created.push(new Date(now - rnd.int(400, 1500) * DAY).toISOString());
        cols.bank.push(input.withdrawMethods ? JSON.stringify(bankAccount(cols.name.at(-1)!, i)) : null);
      }
      await tx.execute(sql`
        INSERT INTO shops (id, name, email, password_hash, phone_number, address, zip_code, description, withdraw_method, created_at, updated_at)
        SELECT s.id, s.name, s.email, ${passwordHash}, '+1 555 0100', '1 Market Street, Springfield', '12345', s.description, s.bank::jsonb,
               s.created, s.created
        FROM unnest(${sql.param(cols.id)}::text[], ${sql.param(cols.name)}::text[], ${sql.param(cols.email)}::text[],
                    ${sql.param(cols.description)}::text[], ${sql.param(cols.created)}::timestamptz[], ${sql.param(cols.bank)}::text[])
             AS s(id, name, email, description, created, bank)`);
      onProgress?.('shops', from + n, input.shops);
    }
  });

  const insertAll = async (kind: 'product' | 'event', total: number) => {
    const ids: string[] = [];
    const stock: number[] = [];
    let nextFrom = 0;
    let done = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && nextFrom < total) {
        const from = nextFrom;
        const n = Math.min(input.batchSize, total - from);
        nextFrom += n;
        // Built synchronously when taken, so batches draw from the generator in order whatever the concurrency.
        const cols = buildListings(rnd, kind, from, n, shopIds, now);
        ids.push(...cols.id);
        stock.push(...cols.stock);
        try {
          await withTx(ctx, (tx) => tx.execute(insertListingsSql(kind, cols)));
        } catch (err) {
          failed = true;
          throw err;
        }
        done += n;
        onProgress?.(kind === 'event' ? 'events' : 'products', done, total);
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, worker));
    return { ids, stock };
  };
  const products = await insertAll('product', input.products);
  const { ids: eventIds } = await insertAll('event', input.events);

  // VACUUM cannot run inside a transaction, so this comes after the commits.
  if (input.analyze) {
    await ctx.db.execute(is(ctx.db, PgTransaction) ? sql`ANALYZE products, product_stock` : sql`VACUUM (ANALYZE) products, product_stock`);
    await ctx.db.execute(sql`ANALYZE shops`);
  }
  return { shopIds, productIds: products.ids, productStock: products.stock, eventIds, emails, ms: Date.now() - started };
}
