import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents, listShopProducts, searchProducts, seedCatalog } from '../../src/core/catalog/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Ctx } from '../../src/core/context.ts';
import type { Db } from '../../src/core/db/index.ts';
import * as schema from '../../src/core/db/schema/index.ts';
import { systemClock } from '../../src/core/shared/clock.ts';
import { createTestDatabase } from '../helpers/database.ts';

/*
 * The catalog's list queries on a seeded database: each public sort and filter is served by its index
 * rather than by sorting or scanning the whole catalog. The SQL is the one the use cases send (captured
 * through drizzle's logger), explained with the parameters they bound.
 */

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let db: Db;
let shopId: string;
const sent: { sql: string; params: unknown[] }[] = [];
const ctx = (): Ctx => ({
  db,
  actor: { kind: 'anonymous' },
  log: pino({ level: 'silent' }),
  clock: systemClock,
  // Every call reads the database (a cached page would send no query to explain), by SQL: these are
  // the plans of the SQL path, which answers when the catalog index is off or cannot answer a query.
  config: loadConfig({ NODE_ENV: 'test', CATALOG_PAGE_CACHE_MS: '0', CATALOG_INDEX_REFRESH_MS: '0' }),
  ports: {} as Ctx['ports'],
});

beforeAll(async () => {
  testDb = await createTestDatabase();
  pool = new pg.Pool({ connectionString: testDb.url, max: 3 });
  // As the app's own pool does: an idle connection the server drops is reported, not an uncaught 'error' event.
  pool.on('error', (err) => console.warn(`catalog-plans: idle connection error: ${err.message}`));
  db = drizzle({ client: pool, schema, logger: { logQuery: (sql, params) => sent.push({ sql, params }) } }) as unknown as Db;
  const seeded = await seedCatalog(ctx(), { shops: 200, products: 20_000, events: 50, batchSize: 2500 });
  shopId = seeded.shopIds[7]!;
}, 180_000);
afterAll(async () => {
  await pool?.end();
  await testDb?.drop();
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const walk = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(walk)];

/** Runs a use case and explains the page query it sent (the first with a limit that is not a count). */
async function planOf(run: () => Promise<unknown>): Promise<{ indexes: string[]; scans: string[]; sql: string }> {
  sent.length = 0;
  await run();
  const query = sent.find((q) => /from "products"/.test(q.sql) && /limit/i.test(q.sql) && !/^select count/i.test(q.sql))!;
  const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params as unknown[]);
  const nodes = walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  return {
    indexes: nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])),
    // "Seq Scan on products"; a scan of the small shops table (the banned-shop anti-join) is fine.
    scans: nodes.flatMap((n) => (n['Relation Name'] ? [`${n['Node Type']} on ${n['Relation Name']}`] : [])),
    sql: query.sql,
  };
}

describe('catalog list plans on 20,000 seeded products', () => {
  it.each([
    ['newest', {}, 'products_moderation_idx'],
    ['price_asc', { sort: 'price_asc' }, 'products_public_price_idx'],
    ['price_desc', { sort: 'price_desc' }, 'products_public_price_idx'],
    ['best_selling', { sort: 'best_selling' }, 'product_stock_sold_idx'],
    ['top_rated', { sort: 'top_rated' }, 'products_public_rating_idx'],
    ['category', { category: 'Shoes' }, 'products_public_category_idx'],
    ['price range sorted by price', { minPrice: '10', maxPrice: '20', sort: 'price_asc' }, 'products_public_price_idx'],
    ['minRating sorted by rating', { minRating: '4.5', sort: 'top_rated' }, 'products_public_rating_idx'],
    ['a selective text query', { q: 'leather backpack' }, 'products_search_idx'],
  ])('%s reads its index, without a sequential scan of products or their stock rows', async (_label, query, index) => {
    const plan = await planOf(() => searchProducts(ctx(), query));
    expect(plan.indexes).toContain(index);
    expect(plan.scans).not.toContain('Seq Scan on products');
    expect(plan.scans).not.toContain('Seq Scan on product_stock');
  });

  it('a broad word by relevance reads and ranks only the first CATALOG_RANK_MAX matches, not all of them', async () => {
    const query = { q: 'gaming' };
    const page = (await searchProducts(ctx(), query)) as { totalExact: boolean };
    // More matches than the bound, so the capped ranking applies.
    expect(page.totalExact).toBe(false);
    sent.length = 0;
    await searchProducts(ctx(), query);
    const ranked = sent.find((q) => /ts_rank/.test(q.sql) && /limit/i.test(q.sql))!;
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${ranked.sql}`, ranked.params as unknown[]);
    const nodes = walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan) as (PlanNode & { 'Actual Rows': number; 'Actual Loops': number })[];
    const read = nodes.filter((n) => n['Relation Name'] === 'products').map((n) => n['Actual Rows'] * n['Actual Loops']);
    expect(Math.max(...read)).toBeLessThanOrEqual(loadConfig({ NODE_ENV: 'test' }).catalogRankMax);
  });

  it('words and a category that never meet are counted through their indexes, and no sort index is walked for the page', async () => {
    sent.length = 0;
    const page = await searchProducts(ctx(), { q: 'laptop', category: 'Shoes', sort: 'best_selling' });
    expect(page.products).toEqual([]);
    // The count found nothing, so no page was read: one statement (the count) reached products.
    expect(sent.filter((q) => /from "products"/.test(q.sql)).map((q) => /^select count/i.test(q.sql))).toEqual([true]);
  });

  it('best_selling with words reads the matches and sorts them, without walking product_stock_sold_idx', async () => {
    // More matches than CATALOG_TOTAL_MAX, so not read first for being few.
    const plan = await planOf(() => searchProducts(ctx(), { q: 'gaming', sort: 'best_selling', page: '2' }));
    expect(plan.indexes).not.toContain('product_stock_sold_idx');
    expect(plan.scans).not.toContain('Seq Scan on product_stock');
  });

  it("a shop's listing reads products_public_shop_idx", async () => {
    const plan = await planOf(() => listShopProducts(ctx(), shopId, {}));
    expect(plan.indexes).toContain('products_public_shop_idx');
  });

  it('the events page reads products_public_events_idx', async () => {
    const plan = await planOf(() => listEvents(ctx(), {}));
    expect(plan.indexes).toContain('products_public_events_idx');
  });
});
