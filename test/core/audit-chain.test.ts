import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, recordAudit, verifyAudit } from '../../src/core/audit/index.ts';
import { migrationsFolder, queryRows, withTx } from '../../src/core/db/index.ts';
import { createCore, loadConfig, type Core } from '../../src/core/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { databaseUrl, TEST_DATABASE_URL } from '../helpers/services.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let core: Core;
const operator = () => core.ctx({ kind: 'operator', name: 'chain-test' });
const chain = () => queryRows<{ seq: number; id: string }>(core.database.db, sql`SELECT seq, id FROM audit_log ORDER BY seq`);

beforeAll(async () => {
  db = await createTestDatabase();
  core = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }), { poolSize: 10 });
});
afterAll(async () => {
  await core?.close();
  await db?.drop();
});

describe('recordAudit', () => {
  it('40 transactions appending at once all commit, numbered 1..40 without gaps, and the chain verifies', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withTx(operator(), async (tx) => {
          await recordAudit({ ...operator(), db: tx }, { action: 'test.append', target: `t-${i}`, details: { i, nested: { b: 1, a: [i] } } });
          // Keeps each transaction open a moment after appending, so the others queue behind the chain head.
          await tx.execute(sql`SELECT pg_sleep(0.005)`);
        }),
      ),
    );
    expect((await chain()).map((r) => Number(r.seq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyAudit(operator())).toMatchObject({ ok: true, rows: 40, head: { seq: 40 }, problems: [] });
  });

  it('a transaction that rolls back after appending leaves no gap behind', async () => {
    const before = (await chain()).length;
    await expect(
      withTx(operator(), async (tx) => {
        await recordAudit({ ...operator(), db: tx }, { action: 'test.rolled-back', target: 'gone' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await recordAudit(operator(), { action: 'test.after', target: 'kept' });
    const rows = await chain();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: before + 1 }, (_, i) => i + 1));
    expect((await verifyAudit(operator())).ok).toBe(true);
  });
});

describe('verifyAudit and listAudit', () => {
  it('are for admins and operators only', async () => {
    await expect(verifyAudit(core.ctx({ kind: 'user', id: 'usr_x', role: 'User' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(verifyAudit(core.ctx({ kind: 'shop', id: 'shop_x' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listAudit(core.ctx({ kind: 'user', id: 'usr_x', role: 'User' }), {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await listAudit(core.ctx({ kind: 'user', id: 'usr_x', role: 'Admin' }), { action: 'test.after' })).entries).toHaveLength(1);
  });
});

describe('the audit chain migration', () => {
  it('chains the rows written before it, in the order they were written', async () => {
    const name = `mvshop_t_chain_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const client = new pg.Client({ connectionString: databaseUrl(name) });
    let fresh: Core | undefined;
    try {
      await client.connect();
      const { entries } = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: { tag: string }[] };
      const apply = async (tag: string) => {
        for (const statement of readFileSync(`${migrationsFolder}/${tag}.sql`, 'utf8').split('--> statement-breakpoint')) await client.query(statement);
      };
      const chainAt = entries.findIndex((e) => e.tag.endsWith('_audit_chain'));
      for (const e of entries.slice(0, chainAt)) await apply(e.tag);
      await client.query(`INSERT INTO audit_log (id, actor, action, target, reason, details, created_at) VALUES
        ('aud_b', 'operator:x', 'user.ban', 'usr_1', 'spam', '{"b": 2, "a": 1}', now() - interval '1 hour'),
        ('aud_a', 'usr_admin', 'listing.hide', 'prod_1', NULL, NULL, now() - interval '2 hours'),
        ('aud_c', 'operator:y', 'order.refund', 'ord_1', 'lost', NULL, now())`);
      await apply(entries[chainAt]!.tag);

      const { rows } = await client.query<{ id: string; seq: string }>('SELECT id, seq FROM audit_log ORDER BY seq');
      expect(rows.map((r) => [r.id, Number(r.seq)])).toEqual([['aud_a', 1], ['aud_b', 2], ['aud_c', 3]]);
      fresh = await createCore(loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl(name) }), { poolSize: 1, migrate: false });
      const ctx = fresh.ctx({ kind: 'operator', name: 't' });
      expect(await verifyAudit(ctx)).toMatchObject({ ok: true, rows: 3, head: { seq: 3 } });
      await recordAudit(ctx, { action: 'test.next', target: 'x' });
      expect(await verifyAudit(ctx)).toMatchObject({ ok: true, rows: 4, head: { seq: 4 } });
    } finally {
      await fresh?.close();
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
