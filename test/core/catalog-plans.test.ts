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
  config: loadConfig({ NODE_ENV: 'test' }),
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

  it("a shop's listing reads products_public_shop_idx", async () => {
    const plan = await planOf(() => listShopProducts(ctx(), shopId, {}));
    expect(plan.indexes).toContain('products_public_shop_idx');
  });

  it('the events page reads products_public_events_idx', async () => {
    const plan = await planOf(() => listEvents(ctx(), {}));
    expect(plan.indexes).toContain('products_public_events_idx');
  });
});
