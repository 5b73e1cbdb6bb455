import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { addToCart, listProduct, placeCodOrder } from '../helpers/commerce.ts';
import { PASSWORD, signUpShop, signUpUser } from '../helpers/factories.ts';
import { TEST_ORIGIN, type TestClient } from '../helpers/http.ts';
import { startProgram, type ProgramProcess } from '../helpers/processes.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { cookieHeader, openStream, type SseEvent, type SseStream } from '../helpers/sse.ts';

// One Redis, two API processes: this test process (A) and a real `src/api/main.ts` child (B), on one
// database. A prefix of this run's own keeps the streams and channels apart from any other run.
const prefix = `mvshop-test:${randomBytes(6).toString('hex')}`;
const LIMITS = { STREAM_REDIS_PREFIX: prefix, STREAM_HEARTBEAT_SECONDS: '1', STREAM_MAX_PER_ACCOUNT: '3', MESSAGE_RATE_LIMIT_MAX: '100000' };

let app: TestApp;
let processB: ProgramProcess;
let dirB: string;
let streamA: string;
let streamB: string;
let buyer: Awaited<ReturnType<typeof signUpUser>>;
let otherBuyer: Awaited<ReturnType<typeof signUpUser>>;
let shop: Awaited<ReturnType<typeof signUpShop>>;
let otherShop: Awaited<ReturnType<typeof signUpShop>>;
let conversationId: string;
const streams: SseStream[] = [];

beforeAll(async () => {
  app = await startTestApp({ env: LIMITS });
  dirB = await mkdtemp(path.join(tmpdir(), 'mvshop-stream-b-'));
  processB = startProgram('src/api/main.ts', {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: '0',
    DATABASE_URL: app.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    DATA_DIR: dirB,
    CORS_ORIGIN: TEST_ORIGIN,
    // A sends the emails (to the test's SMTP capture); B only serves.
    OUTBOX_IN_API: 'false',
    ...LIMITS,
  });
  const listening = await processB.waitForLog(/API listening/);
  streamA = `${app.url}/api/v1/stream`;
  streamB = `http://127.0.0.1:${listening.port as number}/api/v1/stream`;
  [buyer, otherBuyer, shop, otherShop] = await Promise.all([signUpUser(app), signUpUser(app), signUpShop(app), signUpShop(app)]);
  const res = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id });
  conversationId = res.body.conversation._id;
}, 120_000);

// Streams count against per-account bounds: each test starts with none open.
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (let i = 0; i < 100 && app.api.streams.size() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await processB?.stop('SIGTERM');
  await app?.close();
  if (dirB) await rm(dirB, { recursive: true, force: true });
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

async function listen(url: string, client: TestClient, headers: Record<string, string> = {}) {
  const s = await openStream(url, { ...cookieHeader(client), ...headers });
  streams.push(s);
  return s;
}

const post = async (client: TestClient, text: string, id = conversationId) => {
  const res = await client.post('/message/create-new-message', { conversationId: id, text });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.message as { _id: string };
};

const isMessage = (messageId: string) => (e: SseEvent) => e.event === 'message' && e.data.message?._id === messageId;
const mentions = (e: SseEvent, id: string) => JSON.stringify(e.data).includes(id);

describe('GET /stream across two API processes sharing Redis', () => {
  it('a message posted through process A reaches the shop’s stream on process B, with its unread count, and the buyer’s own stream on A', async () => {
    const shopOnB = await listen(streamB, shop.client);
    const buyerOnA = await listen(streamA, buyer.client);
    expect([shopOnB.status, buyerOnA.status]).toEqual([200, 200]);
    expect(shopOnB.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const sent = await post(buyer.client, 'Hello from A');
    const atShop = await shopOnB.next(isMessage(sent._id));
    expect(atShop.data).toMatchObject({ conversationId, message: { _id: sent._id, text: 'Hello from A', sender: buyer.user._id, senderSide: 'user' } });
    expect(atShop.id).toMatch(/^\d+-\d+$/);
    expect((await shopOnB.next((e) => e.event === 'unread')).data).toEqual({ conversationId, unread: 1 });
    expect((await buyerOnA.next(isMessage(sent._id))).data.message.text).toBe('Hello from A');
  });

  it('reading through B sends the buyer on A a read receipt and the shop’s streams the new unread count', async () => {
    const buyerOnA = await listen(streamA, buyer.client);
    const shopOnA = await listen(streamA, shop.client);
    const sent = await post(buyer.client, 'Please read me');
    await shopOnA.next(isMessage(sent._id));
    const read = await shop.client.request('GET', `/message/get-all-messages/${conversationId}`, {});
    expect(read.status).toBe(200);
    const receipt = await buyerOnA.next((e) => e.event === 'read' && e.data.messageIds.includes(sent._id));
    expect(receipt.data).toMatchObject({ conversationId, reader: shop.seller._id });
    expect((await shopOnA.next((e) => e.event === 'unread' && e.data.unread === 0)).data).toEqual({ conversationId, unread: 0 });
  });

  it('Last-Event-ID resumes without loss or repeats, on the other process, then stays live', async () => {
    const first = await listen(streamB, shop.client);
    const seen = await post(buyer.client, 'seen before the break');
    const seenEvent = await first.next(isMessage(seen._id));
    first.close();

    const missed = [await post(buyer.client, 'missed 1'), await post(buyer.client, 'missed 2'), await post(buyer.client, 'missed 3')];
    const resumed = await listen(streamA, shop.client, { 'last-event-id': seenEvent.id! });
    expect(resumed.status).toBe(200);
    for (const m of missed) await resumed.next(isMessage(m._id));
    const messages = resumed.events.filter((e) => e.event === 'message').map((e) => e.data.message._id);
    expect(messages).toEqual(missed.map((m) => m._id));
    expect(resumed.events.some((e) => e.id === seenEvent.id)).toBe(false);
    expect(resumed.events.map((e) => e.id!)).toEqual([...resumed.events.map((e) => e.id!)].sort(byEventId));
    expect((await resumed.next((e) => e.event === 'unread' && e.data.unread === 4)).data.unread).toBe(4);

    const live = await post(buyer.client, 'after the resume');
    await resumed.next(isMessage(live._id));
    expect(resumed.events.filter(isMessage(live._id))).toHaveLength(1);
  });

  it('a Last-Event-ID older than the retention window answers `resync`, so the client reloads over REST', async () => {
    const s = await listen(streamA, shop.client, { 'last-event-id': '1000-0' });
    expect(s.status).toBe(200);
    await s.next((e) => e.event === 'resync');
  });

  it('a stream never sees another account’s events, even when it presents their Last-Event-ID', async () => {
    const shopStream = await listen(streamA, shop.client);
    const secret = await post(buyer.client, 'for the shop only');
    const shopEvent = await shopStream.next(isMessage(secret._id));

    const strangers = [
      await listen(streamA, otherBuyer.client),
      await listen(streamB, otherShop.client),
      await listen(streamB, otherBuyer.client, { 'last-event-id': shopEvent.id! }),
    ];
    const again = await post(buyer.client, 'still private');
    await shopStream.next(isMessage(again._id));
    // A marker on each stranger's own conversation: once it arrives, anything foreign would have too.
    const own = (await otherBuyer.client.post('/conversation/create-new-conversation', { sellerId: otherShop.seller._id })).body.conversation._id;
    const marker = await post(otherBuyer.client, 'marker', own);
    for (const s of strangers) {
      await s.next(isMessage(marker._id));
      expect(s.events.filter((e) => mentions(e, conversationId))).toEqual([]);
    }
  });

  it('order status changes reach the buyer and the shop, and no other shop', async () => {
    const productId = await listProduct(shop.client, { stock: 5 });
    await addToCart(buyer.client, productId);
    const placed = await placeCodOrder(buyer.client);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]._id as string;
    const buyerOnB = await listen(streamB, buyer.client);
    const shopOnA = await listen(streamA, shop.client);
    const rival = await listen(streamA, otherShop.client);

    const moved = await shop.client.put(`/order/update-order-status/${orderId}`, { status: 'Transferred to delivery partner' });
    expect(moved.status).toBe(200);
    const isOrder = (e: SseEvent) => e.event === 'order-status' && e.data.orderId === orderId;
    for (const s of [buyerOnB, shopOnA])
      expect((await s.next(isOrder)).data).toMatchObject({ orderId, from: 'Processing', status: 'Transferred to delivery partner' });
    const refusal = await shop.client.put(`/order/update-order-status/${orderId}`, { status: 'Delivered' });
    expect(refusal.status).toBe(409);
    await post(buyer.client, 'marker after the order');
    await shopOnA.next((e) => e.event === 'message' && e.data.message.text === 'marker after the order');
    // A refused transition rolled back, so nobody heard of it; the other shop heard nothing at all.
    expect(shopOnA.events.filter(isOrder)).toHaveLength(1);
    expect(rival.events.filter((e) => mentions(e, orderId))).toEqual([]);
  });

  it('sends heartbeats; refuses anonymous callers, the wrong session kind and a fourth stream of one account', async () => {
    const s = await listen(streamA, otherShop.client);
    for (let i = 0; i < 50 && s.comments < 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.comments).toBeGreaterThanOrEqual(1);

    const anonymous = await openStream(streamA);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    expect((await openStream(`${streamA}?as=seller`, cookieHeader(buyer.client))).status).toBe(401);
    expect((await openStream(`${streamA}?as=robot`, cookieHeader(buyer.client))).status).toBe(400);

    const login = await app.client().post('/user/login', { email: otherBuyer.email, password: PASSWORD });
    const bearer = await listen(streamB, app.client(), { authorization: `Bearer ${login.body.token as string}` });
    expect(bearer.status).toBe(200);

    const mine = [await listen(streamA, otherBuyer.client), await listen(streamA, otherBuyer.client), await listen(streamA, otherBuyer.client)];
    expect(mine.map((m) => m.status)).toEqual([200, 200, 200]);
    const fourth = await openStream(streamA, cookieHeader(otherBuyer.client));
    expect(fourth.status).toBe(429);
    mine[0]!.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await listen(streamA, otherBuyer.client)).status).toBe(200);
  });

  it('a process shutting down ends its streams, so it exits promptly', async () => {
    const s = await listen(streamB, shop.client);
    expect(s.status).toBe(200);
    const code = await processB.stop('SIGTERM', 10_000);
    expect(code).toBe(0);
    await s.ended(5000);
  });
});

function byEventId(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
