/**
 * Data the scenarios read, written into the fresh bench database through core use cases, so it has
 * the shape real traffic sees. The base seed (one buyer) is always written; a data set (`catalog`,
 * `checkout`) is seeded once per run, just before the first planned row that `needs` it, and never
 * when no planned row does. To add data for a new scenario: add a field to `Seed` and a step to
 * `seed`, or a data set to `dataSets`; scenarios receive the result.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { findAccountById, issueSessionToken } from '../src/core/auth/index.ts';
import { seedCatalog } from '../src/core/catalog/seed-catalog.ts';
import type { Core } from '../src/core/index.ts';
import { newId } from '../src/core/shared/ids.ts';
import { addAddress, createAdmin } from '../src/core/users/index.ts';

export interface CatalogSeed {
  shopIds: string[];
  /** Every seeded product id, in seeding order (detail rows rotate over them). */
  productIds: string[];
  /** Wall time of seedCatalog (inserts, index builds, VACUUM ANALYZE). */
  ms: number;
}

export interface CheckoutProduct {
  id: string;
  shopId: string;
}

export interface CheckoutSeed {
  /** Products of `shops` shops; consecutive entries belong to different shops. */
  products: CheckoutProduct[];
  /** The product every buyer takes in the hot-product rows (also in `products`, with far more stock). */
  hot: CheckoutProduct;
  shops: number;
  /** Signed-in buyers (role User), each with its own session token (cookie `token`). */
  buyers: { id: string; token: string }[];
  stock: number;
  hotStock: number;
  ms: number;
}

export interface Seed {
  /** A verified buyer with one address, and a session token for it (cookie `token`). */
  buyer: { id: string; token: string };
  /** 100,000 active products in 1,000 shops (seedCatalog, the function the CLI reuses). */
  catalog?: CatalogSeed;
  /** A small catalog with ample stock and many buyers, for the checkout rows. */
  checkout?: CheckoutSeed;
}

export type DataSet = 'catalog' | 'checkout';

/** A data set a scenario needs; throws when the runner did not seed it (a scenario without `needs`). */
export function need<K extends DataSet>(seed: Seed, set: K): NonNullable<Seed[K]> {
  const data = seed[set];
  if (!data) throw new Error(`scenario reads seed.${set} but does not list '${set}' in needs`);
  return data as NonNullable<Seed[K]>;
}

async function seedBuyer(core: Core): Promise<Seed['buyer']> {
  const operator = core.ctx({ kind: 'operator', name: 'bench' });
  // createAdmin is the one core call that makes a verified account without the email round trip.
  // The role does not change what /user/me does.
  const { user } = await createAdmin(operator, {
    email: `bench.${randomBytes(4).toString('hex')}@example.com`,
    name: 'Bench Buyer',
    password: `bench-${randomBytes(12).toString('hex')}`,
  });
  const self = core.ctx({ kind: 'user', id: user._id, role: user.role });
  await addAddress(self, user._id, {
    country: 'US',
    state: 'IL',
    city: 'Springfield',
    address1: '1 Market Street',
    zipCode: '12345',
    addressType: 'Home',
  });
  const account = await findAccountById(self, 'user', user._id);
  if (!account) throw new Error('seeded buyer not found');
  return { id: account.id, token: issueSessionToken(self, 'user', account) };
}

export async function seed(core: Core): Promise<Seed> {
  return { buyer: await seedBuyer(core) };
}

export const CATALOG_SHOPS = 1_000;
export const CATALOG_PRODUCTS = 100_000;

async function seedCatalogSet(core: Core): Promise<CatalogSeed> {
  const ctx = core.ctx({ kind: 'operator', name: 'bench' });
  const result = await seedCatalog(ctx, { shops: CATALOG_SHOPS, products: CATALOG_PRODUCTS, seed: 1, tag: 'bench-catalog' });
  return { shopIds: result.shopIds, productIds: result.productIds, ms: result.ms };
}

export const CHECKOUT_SHOPS = 100;
export const CHECKOUT_PRODUCTS = 1_000;
export const CHECKOUT_BUYERS = 500;
const CHECKOUT_STOCK = 1_000_000;
const HOT_STOCK = 100_000_000;

/**
 * 1,000 products in 100 shops (seedCatalog with another seed and tag), their stock raised so no run
 * sells out, and 500 buyers. Buyers are one multi-row insert of plain `User` accounts (the columns
 * activateUser writes, no password), each given a session token by issueSessionToken: the core's
 * sign-up path needs the emailed activation link and an argon2 hash per buyer (~50 ms each).
 */
async function seedCheckoutSet(core: Core): Promise<CheckoutSeed> {
  const started = Date.now();
  const ctx = core.ctx({ kind: 'operator', name: 'bench' });
  const catalog = await seedCatalog(ctx, {
    shops: CHECKOUT_SHOPS,
    products: CHECKOUT_PRODUCTS,
    seed: 2,
    tag: 'bench-checkout',
    analyze: false,
  });
  // seedCatalog puts product i in shop i % shops.
  const products = catalog.productIds.map((id, i) => ({ id, shopId: catalog.shopIds[i % catalog.shopIds.length]! }));
  const hot = products[0]!;
  await ctx.db.execute(sql`UPDATE product_stock SET stock = ${CHECKOUT_STOCK} WHERE product_id = ANY(${sql.param(catalog.productIds)}::text[])`);
  await ctx.db.execute(sql`UPDATE product_stock SET stock = ${HOT_STOCK} WHERE product_id = ${hot.id}`);

  const ids: string[] = [];
  const names: string[] = [];
  const emails: string[] = [];
  const tag = randomBytes(3).toString('hex');
  for (let i = 0; i < CHECKOUT_BUYERS; i++) {
    ids.push(newId('user'));
    names.push(`Bench Buyer ${i + 1}`);
    emails.push(`bench.buyer.${tag}.${i + 1}@example.com`);
  }
  await ctx.db.execute(sql`
    INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at)
    SELECT u.id, u.name, u.email, NULL, 'User', now(), now()
    FROM unnest(${sql.param(ids)}::text[], ${sql.param(names)}::text[], ${sql.param(emails)}::text[]) AS u(id, name, email)`);
  await ctx.db.execute(sql`VACUUM (ANALYZE) products`);
  await ctx.db.execute(sql`ANALYZE users`);
  const buyers = ids.map((id) => ({ id, token: issueSessionToken(ctx, 'user', { id, sessionVersion: 0 }) }));
  return { products, hot, shops: CHECKOUT_SHOPS, buyers, stock: CHECKOUT_STOCK, hotStock: HOT_STOCK, ms: Date.now() - started };
}

/** Seeds one data set into `data` and returns a line describing it (printed below the table). */
export const dataSets: Record<DataSet, (core: Core, data: Seed) => Promise<string>> = {
  async catalog(core, data) {
    const c = (data.catalog = await seedCatalogSet(core));
    return `catalog: ${c.productIds.length.toLocaleString('en-US')} products in ${c.shopIds.length.toLocaleString('en-US')} shops seeded by seedCatalog in ${(c.ms / 1000).toFixed(1)} s`;
  },
  async checkout(core, data) {
    const c = (data.checkout = await seedCheckoutSet(core));
    return `checkout: ${c.products.length.toLocaleString('en-US')} products in ${c.shops} shops (stock ${c.stock.toLocaleString('en-US')} each, hot product ${c.hotStock.toLocaleString('en-US')}) and ${c.buyers.length} buyers seeded in ${(c.ms / 1000).toFixed(1)} s`;
  },
};
