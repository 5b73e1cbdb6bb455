import { count, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { listEvents, searchProducts, seedCatalog, seedCategories } from '../../src/core/catalog/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Ctx } from '../../src/core/context.ts';
import { openDatabase, type Database } from '../../src/core/db/index.ts';
import { products, shops } from '../../src/core/db/schema/index.ts';
import { verifyPassword } from '../../src/core/auth/index.ts';
import { systemClock } from '../../src/core/shared/clock.ts';
import { createTestDatabase } from '../helpers/database.ts';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
const ctx = (): Ctx =>
  ({
    db: database.db,
    actor: { kind: 'anonymous' },
    log: pino({ level: 'silent' }),
    clock: systemClock,
    config: loadConfig({ NODE_ENV: 'test' }),
    ports: {} as Ctx['ports'],
  }) satisfies Ctx;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, pgliteDir: 'unused', poolSize: 4 });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

describe('seedCatalog', () => {
  it('inserts N shops and M active products spread evenly across them, plus running and upcoming events', async () => {
    const result = await seedCatalog(ctx(), { shops: 10, products: 1234, events: 6, batchSize: 500, tag: 'first', password: 'demo-password-1' });
    expect(result.shopIds).toHaveLength(10);
    expect(result.productIds).toHaveLength(1234);
    expect(new Set(result.productIds).size).toBe(1234);
    expect(result.eventIds).toHaveLength(6);

    const perShop = await database.db
      .select({ shopId: products.shopId, n: count() })
      .from(products)
      .where(eq(products.kind, 'product'))
      .groupBy(products.shopId);
    expect(perShop).toHaveLength(10);
    for (const { n } of perShop) expect(n === 123 || n === 124).toBe(true);
    const [stats] = await database.db
      .select({
        active: sql<number>`count(*) FILTER (WHERE status = 'active')::int`,
        categories: sql<number>`count(DISTINCT category)::int`,
        minPrice: sql<number>`min(price_minor)::int`,
        withDiscount: sql<number>`count(*) FILTER (WHERE discount_price_minor IS NOT NULL)::int`,
      })
      .from(products)
      .where(eq(products.kind, 'product'));
    expect(stats).toMatchObject({ active: 1234, categories: seedCategories.length });
    expect(stats!.minPrice).toBeGreaterThanOrEqual(1);
    expect(stats!.withDiscount).toBeGreaterThan(0);

    const events = await listEvents(ctx(), { limit: 100 });
    expect(events.total).toBe(6);
    expect(events.events.map((e) => e.eventStatus).sort()).toEqual(['running', 'running', 'running', 'upcoming', 'upcoming', 'upcoming']);

    // Every seeded shop can sign in with the given password (hashed once, shared).
    const [shop] = await database.db.select().from(shops).where(eq(shops.id, result.shopIds[0]!));
    expect(shop!.email).toBe(result.emails[0]);
    expect(await verifyPassword(shop!.passwordHash, 'demo-password-1')).toBe(true);
  });

  it('draws the same names, categories and prices from the same seed, and text queries hit them', async () => {
    const before = await database.db.$count(products);
    const again = await seedCatalog(ctx(), { shops: 10, products: 1234, batchSize: 100, concurrency: 3, tag: 'second' });
    expect(await database.db.$count(products)).toBe(before + 1234);
    const columns = { name: products.name, category: products.category, price: products.priceMinor, tags: products.tags };
    const rowsOf = async (ids: string[]) => {
      const rows = await database.db.select({ id: products.id, ...columns }).from(products).where(inArray(products.id, ids));
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => {
        const { id: _id, ...rest } = byId.get(id)!;
        return rest;
      });
    };
    const firstIds = (await database.db.select({ id: products.id }).from(products).where(eq(products.kind, 'product')).orderBy(products.id).limit(1234)).map((r) => r.id);
    expect(await rowsOf(again.productIds)).toEqual(await rowsOf(firstIds));

    const leather = await searchProducts(ctx(), { q: 'leather', limit: 100 });
    const [expected] = await database.db
      .select({ n: count() })
      .from(products)
      .where(sql`kind = 'product' AND (name ILIKE '%leather%' OR description ILIKE '%leather%' OR 'leather' = ANY(tags))`);
    expect(leather.total).toBeGreaterThan(0);
    expect(leather.total).toBe(expected!.n);
  });

  it('names shops after the seed, not the clock, and refuses a seed whose shops are already there (CONFLICT, nothing written)', async () => {
    const first = await seedCatalog(ctx(), { shops: 2, products: 4, seed: 41, analyze: false });
    expect(first.emails).toEqual(['seed-s41-1@shops.mvshop.test', 'seed-s41-2@shops.mvshop.test']);
    expect(first.productStock).toHaveLength(4);
    const before = await database.db.$count(products);
    await expect(seedCatalog(ctx(), { shops: 2, products: 4, seed: 41, analyze: false })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('seed 41'),
    });
    expect(await database.db.$count(products)).toBe(before);
    const other = await seedCatalog(ctx(), { shops: 1, products: 1, seed: -41, analyze: false });
    expect(other.emails).toEqual(['seed-sm41-1@shops.mvshop.test']);
  });

  it('refuses nonsense sizes with VALIDATION_FAILED', async () => {
    await expect(seedCatalog(ctx(), { shops: 0, products: 10 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(seedCatalog(ctx(), { shops: 1, products: -1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
