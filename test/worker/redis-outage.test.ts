import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { startWorker, type RunningWorker } from '../../src/worker/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { addToCart, listProduct, placeCodOrder } from '../helpers/commerce.ts';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.ts';
import { testQueuePrefix } from '../helpers/queues.ts';

const BUYERS = 10;
const ORDERS_EACH = 10;
let redis: OwnRedis;
let app: TestApp;
let worker: RunningWorker;

beforeAll(async () => {
  // A Redis of this test's own, so stopping it touches nobody else.
  redis = await startOwnRedis();
  app = await startTestApp({
    env: { REDIS_URL: redis.url, OUTBOX_IN_API: 'false', OUTBOX_POLL_MS: '100', WORKER_QUEUE_PREFIX: testQueuePrefix('outage') },
  });
  worker = await startWorker(app.config, { core: app.core });
});

afterAll(async () => {
  await worker?.close();
  await app?.close();
  await redis?.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(query))[0]!.n;

describe('Redis down while buyers order', () => {
  it(`${BUYERS * ORDERS_EACH} orders placed while Redis is stopped all succeed and their emails wait in the outbox; once Redis is back each is delivered once`, { timeout: 180_000 }, async () => {
    const shop = await signUpShop(app);
    const product = await listProduct(shop.client, { originalPrice: 5, stock: 1000 });
    const buyers = [];
    for (let i = 0; i < BUYERS; i++) buyers.push(await signUpUser(app));
    const before = await count(sql`SELECT count(*)::int AS n FROM outbox`);

    await redis.stop();
    const statuses = await Promise.all(
      buyers.map(async (b) => {
        const out: number[] = [];
        for (let i = 0; i < ORDERS_EACH; i++) {
          await addToCart(b.client, product, 1);
          out.push((await placeCodOrder(b.client)).status);
        }
        return out;
      }),
    );
    expect(statuses.flat()).toEqual(Array(BUYERS * ORDERS_EACH).fill(201));
    // Nothing could be relayed: every email of those orders waits in the outbox.
    await new Promise((r) => setTimeout(r, 500));
    // Pending, or claimed by a relay pass that is about to hand them back (Redis refuses the add): not delivered either way.
    const waiting = await rows<{ id: string }>(sql`SELECT id FROM outbox WHERE status IN ('pending', 'relayed') ORDER BY id`);
    const after = await count(sql`SELECT count(*)::int AS n FROM outbox`);
    expect(after - before).toBe(2 * BUYERS * ORDERS_EACH);
    expect(waiting.length).toBe(2 * BUYERS * ORDERS_EACH);
    expect(app.mail.messages.filter((m) => /order is confirmed|New order/.test(m.subject))).toHaveLength(0);

    await redis.start();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const n = await count(sql`SELECT count(*)::int AS n FROM outbox WHERE status <> 'done'`);
      if (n === 0) break;
      if (Date.now() > deadline) throw new Error(`${n} outbox rows still not done`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const delivered = new Map<string, number>();
    for (const m of app.mail.messages) delivered.set(m.messageId, (delivered.get(m.messageId) ?? 0) + 1);
    for (const { id } of waiting) expect(delivered.get(`<${id}@mvshop>`), id).toBe(1);
    const orders = await count(sql`SELECT count(*)::int AS n FROM orders`);
    expect(orders).toBe(BUYERS * ORDERS_EACH);
  });
});
