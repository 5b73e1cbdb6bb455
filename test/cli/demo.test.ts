import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, mvshop } from './run-cli.ts';

describe('mvshop demo', () => {
  let work: string;
  // A configured database that does not answer: the demo must never use it.
  const env = () => ({ ...baseEnv(), TMPDIR: path.join(work, 'tmp'), DATABASE_URL: 'postgres://127.0.0.1:1/not-the-demo' });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'mvshop-demo-test-'));
    await mkdir(path.join(work, 'tmp'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('plays the day in --data-dir and prints one JSON document whose books and audit chain verify', { timeout: 180_000 }, async () => {
    const dataDir = path.join(work, 'day');
    const res = await mvshop(['demo', '--data-dir', dataDir, '--json'], { env: env(), cwd: work, timeoutMs: 170_000 });
    expect(res.code, res.stderr).toBe(0);
    const day = res.json();
    expect(day.ok).toBe(true);
    expect(day.dataDir).toBe(dataDir);
    expect(day.shops).toHaveLength(3);
    expect(day.orders).toHaveLength(6);
    expect(day.orders.filter((o: { status: string }) => o.status === 'Delivered')).toHaveLength(5);
    expect(day.refund).toMatchObject({ amount: 34, status: 'Refund Success' });
    // Three delivered card orders (25 + 45 + 44) less the 10% platform fee settle; cash orders never do.
    expect(day.settlement).toMatchObject({ orders: 3, amount: 102.6, holdDays: 7 });
    expect(day.withdrawal).toMatchObject({ shop: 'Green Leaf Tea', amount: 63, status: 'succeed' });
    expect(day.ledger.ok).toBe(true);
    expect(day.audit).toMatchObject({ ok: true, problems: [] });
    expect(day.audit.rows).toBeGreaterThan(0);
    const mailbox = (await readdir(path.join(dataDir, 'mailbox'))).filter((f) => f.endsWith('.eml'));
    expect(mailbox).toHaveLength(day.emails);
    expect(day.emails).toBeGreaterThanOrEqual(6);
    // Progress went to stderr, so stdout held the document alone.
    expect(res.stderr).toMatch(/Sellers ship and deliver/);
  });

  it('prints tables and leaves no temporary folder behind', { timeout: 180_000 }, async () => {
    const res = await mvshop(['demo'], { env: env(), cwd: work, timeoutMs: 170_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/ledger verify\s*│ ok/);
    expect(res.stdout).toMatch(/audit verify\s*│ ok/);
    expect(res.stdout).toMatch(/Demo passed in/);
    // tsx keeps its compile cache there when src/ is newer than the build (bin/launch.mjs); not the demo's.
    expect((await readdir(path.join(work, 'tmp'))).filter((f) => !f.startsWith('tsx-'))).toEqual([]);
  });

  it('refuses a --data-dir that already holds something (exit 2)', async () => {
    const used = path.join(work, 'used');
    await mkdir(used);
    await writeFile(path.join(used, 'keep.txt'), 'mine');
    const res = await mvshop(['demo', '--data-dir', used], { env: env(), cwd: work });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is not empty/);
    expect(await readdir(used)).toEqual(['keep.txt']);
  });
});
