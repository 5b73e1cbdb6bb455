import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { averageRating, prefixQuery } from '../../src/core/catalog/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { openDatabase, queryRows, type Database } from '../../src/core/db/index.ts';
import { ratingX10 } from '../../src/core/db/schema/index.ts';
import { createTestDatabase } from '../helpers/database.ts';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, pgliteDir: 'unused', poolSize: 1 });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

describe('ratings', () => {
  it('the shown average (JS) and the indexed expression that minRating and top_rated use (SQL) agree for every sum and count', async () => {
    // Every achievable (sum, count) for up to 60 reviews of 1–5 stars, inserted as listing rows would hold them.
    const rows = await queryRows<{ sum: number; count: number; x10: number }>(
      database.db,
      sql`SELECT s AS sum, c AS count, ${ratingX10({ ratingSum: sql.raw('s') as never, ratingCount: sql.raw('c') as never })} AS x10
          FROM generate_series(0, 60) AS c, generate_series(0, 300) AS s
          WHERE (c = 0 AND s = 0) OR (c > 0 AND s BETWEEN c AND 5 * c)`,
    );
    expect(rows.length).toBeGreaterThan(5000);
    for (const r of rows) expect(averageRating(r.sum, r.count)).toBe(Number(r.x10) / 10);
  });

  it('rounds half up to one decimal: 17 over 4 reviews shows 4.3, 9 over 2 shows 4.5, none shows 0', () => {
    expect(averageRating(17, 4)).toBe(4.3);
    expect(averageRating(9, 2)).toBe(4.5);
    expect(averageRating(13, 3)).toBe(4.3);
    expect(averageRating(0, 0)).toBe(0);
  });
});

describe('prefixQuery', () => {
  it('keeps only letters and digits, requires every word, and lets the last one (3+ characters) be a prefix', () => {
    expect(prefixQuery('Leather back')).toBe('leather & back:*');
    expect(prefixQuery("leather & !(' | :*")).toBe('leather:*');
    expect(prefixQuery('t-shirt xl')).toBe('t & shirt & xl');
    expect(prefixQuery('Café crème')).toBe('café & crème:*');
    expect(prefixQuery('  ?!  ')).toBeUndefined();
    expect(prefixQuery(undefined)).toBeUndefined();
  });
});

describe('PRODUCT_MODERATION', () => {
  it('defaults to post, accepts pre, and refuses anything else naming the variable', () => {
    expect(loadConfig({}).catalog.moderation).toBe('post');
    expect(loadConfig({ PRODUCT_MODERATION: 'pre' }).catalog.moderation).toBe('pre');
    expect(() => loadConfig({ PRODUCT_MODERATION: 'later' })).toThrow(/PRODUCT_MODERATION/);
  });
});
