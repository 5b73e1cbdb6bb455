import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';
import { cookieHeader, openStream, type SseStream } from '../helpers/sse.ts';

// One API process without Redis: live events go through the in-process bus, rate limits through
// memory. Time is the core's clock, moved by the test, for the unread-message email delay.
const DELAY_MINUTES = 10;
const MINUTE = 60_000;
let now = Date.now();
const clock = { now: () => new Date(now) };

let app: TestApp;
let sql: pg.Client;
const streams: SseStream[] = [];

beforeAll(async () => {
  app = await startTestApp({
    redis: false,
    clock,
    env: { MESSAGE_EMAIL_DELAY_MINUTES: String(DELAY_MINUTES), MESSAGE_RATE_LIMIT_MAX: '4', STREAM_MAX_PER_PROCESS: '2' },
  });
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (let i = 0; i < 100 && app.api.streams.size() > 0; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await sql?.end();
  await app?.close();
});

async function pair() {
  const [buyer, shop] = await Promise.all([signUpUser(app, { name: 'Nina Buyer' }), signUpShop(app, { name: 'Nook Shop' })]);
  const res = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id });
  return { buyer, shop, conversationId: res.body.conversation._id as string };
}

const post = (client: TestClient, conversationId: string, text = 'hello') => client.post('/message/create-new-message', { conversationId, text });

describe('live streams in one process (no Redis)', () => {
  it('deliver messages and resume from Last-Event-ID through the in-process bus', async () => {
    const { buyer, shop, conversationId } = await pair();
    const s = await openStream(`${app.url}/api/v1/stream`, cookieHeader(shop.client));
    streams.push(s);
    expect(s.status).toBe(200);
    const first = await post(buyer.client, conversationId, 'one');
    const seen = await s.next((e) => e.event === 'message' && e.data.message._id === first.body.message._id);
    s.close();
    const second = await post(buyer.client, conversationId, 'two');
    const resumed = await openStream(`${app.url}/api/v1/stream?lastEventId=${seen.id}`, cookieHeader(shop.client));
    streams.push(resumed);
    await resumed.next((e) => e.event === 'message' && e.data.message._id === second.body.message._id);
    expect(resumed.events.filter((e) => e.event === 'message').map((e) => e.data.message.text)).toEqual(['two']);
  });

  it('bound the streams of the process (STREAM_MAX_PER_PROCESS): one more is a 503 with Retry-After', async () => {
    const { buyer, shop } = await pair();
    streams.push(await openStream(`${app.url}/api/v1/stream`, cookieHeader(buyer.client)));
    streams.push(await openStream(`${app.url}/api/v1/stream`, cookieHeader(shop.client)));
    const third = await openStream(`${app.url}/api/v1/stream`, cookieHeader(buyer.client));
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBeTruthy();
  });
});

describe('posting rate limit per sender', () => {
  it('the fifth message within the window is a 429 with Retry-After and is not written; the other side still posts', async () => {
    const { buyer, shop, conversationId } = await pair();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(buyer.client, conversationId, `m${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    const limited = await post(buyer.client, conversationId, 'again');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await post(shop.client, conversationId, 'reply')).status).toBe(201);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId]);
    expect(rows[0].n).toBe(5);
  });
});

describe('unread-message email after MESSAGE_EMAIL_DELAY_MINUTES', () => {
  const emailsTo = (email: string) => app.mail.messages.filter((m) => m.to === email.toLowerCase() && /on mvshop$/.test(m.subject));
  const advance = async (minutes: number) => {
    now += minutes * MINUTE;
    await app.core.outbox.drain();
  };

  it('the shop is emailed once when a message stays unread for the delay, and at most once per delay however many follow', async () => {
    const { buyer, shop, conversationId } = await pair();
    expect((await post(buyer.client, conversationId, 'first')).status).toBe(201);
    await advance(DELAY_MINUTES - 1);
    expect(emailsTo(shop.email)).toHaveLength(0);
    await post(buyer.client, conversationId, 'second');
    await advance(1);
    const [mail] = emailsTo(shop.email);
    expect(emailsTo(shop.email)).toHaveLength(1);
    expect(mail!.subject).toBe('Nina Buyer sent you 2 messages on mvshop');
    expect(mail!.text).toContain(`/dashboard-messages?conversation=${conversationId}`);

    // Posts right after the email schedule the next one a whole delay later, and only one.
    for (const text of ['third', 'fourth']) expect((await post(buyer.client, conversationId, text)).status).toBe(201);
    await advance(DELAY_MINUTES - 1);
    expect(emailsTo(shop.email)).toHaveLength(1);
    await advance(1);
    expect(emailsTo(shop.email)).toHaveLength(2);
    expect(emailsTo(shop.email)[1]!.subject).toBe('Nina Buyer sent you 4 messages on mvshop');
    expect(emailsTo(buyer.email)).toHaveLength(0);
  });

  it('nobody is emailed for messages read in time; a message that arrived after the reading waits its own full delay', async () => {
    const { buyer, shop, conversationId } = await pair();
    await post(buyer.client, conversationId, 'read me soon');
    await advance(5);
    expect((await shop.client.get(`/message/get-all-messages/${conversationId}`)).status).toBe(200);
    await advance(1);
    await post(buyer.client, conversationId, 'one more');
    await advance(DELAY_MINUTES - 6);
    expect(emailsTo(shop.email)).toHaveLength(0);
    await advance(5);
    expect(emailsTo(shop.email)).toHaveLength(0);
    await advance(1);
    expect(emailsTo(shop.email)).toHaveLength(1);
    expect(emailsTo(shop.email)[0]!.subject).toBe('Nina Buyer sent you a message on mvshop');
  });

  it('the buyer is emailed about the shop’s unread reply, with a link to the inbox', async () => {
    const { buyer, shop, conversationId } = await pair();
    await post(buyer.client, conversationId, 'question');
    await shop.client.get(`/message/get-all-messages/${conversationId}`);
    await post(shop.client, conversationId, 'answer');
    await advance(DELAY_MINUTES);
    expect(emailsTo(shop.email)).toHaveLength(0);
    const [mail] = emailsTo(buyer.email);
    expect(mail?.subject).toBe('Nook Shop sent you a message on mvshop');
    expect(mail!.text).toContain(`/inbox?conversation=${conversationId}`);
  });
});
