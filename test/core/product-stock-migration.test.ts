import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../../src/core/db/migrations.ts';
import { TEST_DATABASE_URL, databaseUrl } from '../helpers/services.ts';

/*
 * Migration 0011 moves stock and units sold out of `products` into `product_stock`: a database
 * migrated up to 0010, holding listings, keeps every listing's stock and sold count after it.
 */
const name = `mvshop_t_stock_${randomBytes(4).toString('hex')}`;
let client: pg.Client;
let before: string;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  // The migrations folder as it was before 0011: the same files, the journal cut before it.
  before = mkdtempSync(path.join(os.tmpdir(), 'mvshop-migrations-'));
  cpSync(migrationsFolder, before, { recursive: true });
  const journalFile = path.join(before, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag.endsWith('_product_stock'));
  expect(at).toBeGreaterThan(0);
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
});
afterAll(async () => {
  await client?.end();
  if (before) rmSync(before, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
});

describe('migration 0011 (product_stock)', () => {
  it("copies every listing's stock and sold count, then drops them from products", async () => {
    await migrate(drizzle({ client }), { migrationsFolder: before });
    await client.query(`INSERT INTO shops (id, name, email, password_hash, phone_number, address, zip_code)
      VALUES ('shop_m1', 'Migrated Shop', 'm1@shops.test', '!', '+1 555 0100', '1 Market Street', '12345')`);
    await client.query(`INSERT INTO products (id, shop_id, name, description, category, original_price_minor, stock, sold_count)
      VALUES ('prod_m1', 'shop_m1', 'Lamp', 'A lamp', 'Others', 1000, 7, 3), ('prod_m2', 'shop_m1', 'Stool', 'A stool', 'Others', 500, 0, 12)`);

    await migrate(drizzle({ client }), { migrationsFolder });

    const { rows } = await client.query('SELECT product_id, stock, sold_count FROM product_stock ORDER BY product_id');
    expect(rows).toEqual([
      { product_id: 'prod_m1', stock: 7, sold_count: 3 },
      { product_id: 'prod_m2', stock: 0, sold_count: 12 },
    ]);
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'products' AND column_name IN ('stock', 'sold_count')`);
    expect(columns.rows).toEqual([]);
    // Stock still cannot go negative.
    await expect(client.query(`UPDATE product_stock SET stock = -1 WHERE product_id = 'prod_m1'`)).rejects.toThrow(/product_stock_stock_ck/);
  });
});
