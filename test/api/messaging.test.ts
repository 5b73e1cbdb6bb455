import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMessage } from '../../src/core/messaging/index.ts';
import { setShopBan } from '../../src/core/shops/index.ts';
import { setUserBan } from '../../src/core/users/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listProduct, PNG_DATA_URL } from '../helpers/commerce.ts';
import { signUpAdmin, signUpShop, signUpUser } from '../helpers/factories.ts';
import { TestClient } from '../helpers/http.ts';

const PNG_1PX = Buffer.from(PNG_DATA_URL.slice(PNG_DATA_URL.indexOf(',') + 1), 'base64');
const png = () => `data:image/png;base64,${Buffer.concat([PNG_1PX, randomBytes(8)]).toString('base64')}`;
const pdf = `data:application/pdf;base64,${Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n').toString('base64')}`;
const MB = 1024 * 1024;

let app: TestApp;
let sql: pg.Client;
let buyer: Awaited<ReturnType<typeof signUpUser>>;
let otherBuyer: Awaited<ReturnType<typeof signUpUser>>;
let shop: Awaited<ReturnType<typeof signUpShop>>;
let otherShop: Awaited<ReturnType<typeof signUpShop>>;
let admin: Awaited<ReturnType<typeof signUpAdmin>>;
let anonymous: TestClient;
let productId: string;
let otherShopProductId: string;

beforeAll(async () => {
  app = await startTestApp({ env: { MESSAGE_RATE_LIMIT_MAX: '100000', MAX_UPLOAD_MB: '1' } });
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
  [buyer, otherBuyer, shop, otherShop, admin] = await Promise.all([
    signUpUser(app, { name: 'Bea Buyer' }),
    signUpUser(app, { name: 'Oscar Other' }),
    signUpShop(app, { name: 'Lamp Shop' }),
    signUpShop(app, { name: 'Rival Shop' }),
    signUpAdmin(app),
  ]);
  anonymous = app.client();
  [productId, otherShopProductId] = await Promise.all([listProduct(shop.client, { name: 'Brass lamp' }), listProduct(otherShop.client)]);
});
afterAll(async () => {
  await sql?.end();
  await app?.close();
});

async function openConversation(client: TestClient, body: Record<string, unknown>) {
  const res = await client.post('/conversation/create-new-conversation', body);
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res.body.conversation as { _id: string } & Record<string, any>;
}

async function post(client: TestClient, conversationId: string, body: Record<string, unknown> = { text: 'hello' }) {
  return client.post('/message/create-new-message', { conversationId, ...body });
}

describe('POST /conversation/create-new-conversation', () => {
  it('a buyer opens one conversation per shop and listing: asking again returns the same one (200), a new listing another (201)', async () => {
    const first = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id, userId: otherBuyer.user._id });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const c = first.body.conversation;
    expect(c).toMatchObject({
      members: [buyer.user._id, shop.seller._id],
      userId: buyer.user._id,
      sellerId: shop.seller._id,
      productId: null,
      otherParty: { _id: shop.seller._id, name: 'Lamp Shop' },
      lastMessage: null,
      unread: 0,
      messageCount: 0,
    });
    expect(c.otherParty).not.toHaveProperty('email');

    const again = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id });
    expect(again.status).toBe(200);
    expect(again.body.conversation._id).toBe(c._id);

    const aboutLamp = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id, productId });
    expect(aboutLamp.status).toBe(201);
    expect(aboutLamp.body.conversation).toMatchObject({ productId });
    expect(aboutLamp.body.conversation._id).not.toBe(c._id);
  });

  it('concurrent requests for the same pair make exactly one conversation', async () => {
    const someone = await signUpUser(app);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => someone.client.post('/conversation/create-new-conversation', { sellerId: otherShop.seller._id })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.conversation._id)).size).toBe(1);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM conversations WHERE user_id = $1', [someone.user._id]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a listing of another shop (400), an unknown or banned shop (404), a seller (401) and anonymous callers (401)', async () => {
    const wrong = await buyer.client.post('/conversation/create-new-conversation', { sellerId: shop.seller._id, productId: otherShopProductId });
    expect(wrong.status).toBe(400);
    expect(wrong.body.fields).toHaveProperty('productId');
    const unknown = await buyer.client.post('/conversation/create-new-conversation', { sellerId: 'shop_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(unknown.status).toBe(404);
    const malformed = await buyer.client.post('/conversation/create-new-conversation', { sellerId: 'nope' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.fields).toHaveProperty('sellerId');
    expect((await shop.client.post('/conversation/create-new-conversation', { sellerId: otherShop.seller._id })).status).toBe(401);
    expect((await anonymous.post('/conversation/create-new-conversation', { sellerId: shop.seller._id })).status).toBe(401);

    const banned = await signUpShop(app);
    await setShopBan(app.core.ctx({ kind: 'operator', name: 'test' }), banned.seller._id, true, 'spam');
    expect((await buyer.client.post('/conversation/create-new-conversation', { sellerId: banned.seller._id })).status).toBe(404);
  });
});

describe('who may do what: the participant matrix on every route', () => {
  let conversationId: string;
  beforeAll(async () => {
    conversationId = (await openConversation(buyer.client, { sellerId: shop.seller._id, productId }))._id;
    expect((await post(buyer.client, conversationId, { text: 'Is the brass lamp still available?' })).status).toBe(201);
  });

  it('POST /message/create-new-message: buyer and shop 201; another buyer, another shop and an admin 404; anonymous 401', async () => {
    const statuses = {
      buyer: (await post(buyer.client, conversationId)).status,
      shop: (await post(shop.client, conversationId)).status,
      otherBuyer: (await post(otherBuyer.client, conversationId)).status,
      otherShop: (await post(otherShop.client, conversationId)).status,
      admin: (await post(admin.client, conversationId)).status,
      anonymous: (await post(anonymous, conversationId)).status,
    };
    expect(statuses).toEqual({ buyer: 201, shop: 201, otherBuyer: 404, otherShop: 404, admin: 404, anonymous: 401 });
    const { rows } = await sql.query('SELECT sender_id FROM messages WHERE conversation_id = $1 ORDER BY id', [conversationId]);
    expect(rows.map((r) => r.sender_id)).toEqual([buyer.user._id, buyer.user._id, shop.seller._id]);
  });

  it('GET /message/get-all-messages/:id: buyer, shop and admin 200 (the admin audited, marking nothing read); others 404; anonymous 401', async () => {
    await post(shop.client, conversationId, { text: 'Yes it is' });
    const read = (c: TestClient) => c.get(`/message/get-all-messages/${conversationId}`);
    const asAdmin = await read(admin.client);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.conversation).toMatchObject({ otherParty: null, unread: null });
    const { rows: unreadAfterAdmin } = await sql.query('SELECT user_unread, shop_unread FROM conversations WHERE id = $1', [conversationId]);
    expect(unreadAfterAdmin[0].user_unread).toBeGreaterThan(0);
    const { rows: audit } = await sql.query("SELECT actor, action FROM audit_log WHERE target = $1 AND action = 'conversation.read'", [conversationId]);
    expect(audit).toEqual([{ actor: admin.user._id, action: 'conversation.read' }]);

    const statuses = {
      buyer: (await read(buyer.client)).status,
      shop: (await read(shop.client)).status,
      otherBuyer: (await read(otherBuyer.client)).status,
      otherShop: (await read(otherShop.client)).status,
      anonymous: (await read(anonymous)).status,
    };
    expect(statuses).toEqual({ buyer: 200, shop: 200, otherBuyer: 404, otherShop: 404, anonymous: 401 });
  });

  it('a guessed conversation id is 404 exactly like a stranger’s; a malformed one is 400', async () => {
    const guessed = 'conv_01jzzzzzzzzzzzzzzzzzzzzzzz';
    const stranger = await otherBuyer.client.get(`/message/get-all-messages/${conversationId}`);
    const missing = await buyer.client.get(`/message/get-all-messages/${guessed}`);
    expect([stranger.status, missing.status]).toEqual([404, 404]);
    expect(stranger.body).toEqual(missing.body);
    expect((await post(buyer.client, guessed)).status).toBe(404);
    expect((await buyer.client.get('/message/get-all-messages/nope')).status).toBe(400);
  });

  it('conversation lists: each side sees its own, nobody else’s; the wrong session kind is 401', async () => {
    const mine = await buyer.client.get('/conversation/get-all-user-conversations');
    expect(mine.status).toBe(200);
    expect(mine.body.conversations.map((c: any) => c._id)).toContain(conversationId);
    const ids = async (c: TestClient, route: string) => {
      const res = await c.get(route);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.conversations.map((x: any) => x._id) as string[];
    };
    expect(await ids(otherBuyer.client, '/conversation/get-all-user-conversations')).not.toContain(conversationId);
    expect(await ids(admin.client, '/conversation/get-all-user-conversations')).not.toContain(conversationId);
    expect(await ids(shop.client, '/conversation/get-all-seller-conversations')).toContain(conversationId);
    expect(await ids(otherShop.client, '/conversation/get-all-seller-conversations')).not.toContain(conversationId);
    expect((await shop.client.get('/conversation/get-all-user-conversations')).status).toBe(401);
    expect((await buyer.client.get('/conversation/get-all-seller-conversations')).status).toBe(401);
    expect((await admin.client.get('/conversation/get-all-seller-conversations')).status).toBe(401);
    expect((await anonymous.get('/conversation/get-all-user-conversations')).status).toBe(401);
    expect((await anonymous.get('/conversation/get-all-seller-conversations')).status).toBe(401);
  });

  it('a buyer’s empty conversation does not show in the shop’s inbox until a message is posted', async () => {
    const quiet = await signUpUser(app);
    const c = await openConversation(quiet.client, { sellerId: shop.seller._id });
    const inbox = async () => (await shop.client.get('/conversation/get-all-seller-conversations?limit=100')).body.conversations.map((x: any) => x._id);
    expect(await inbox()).not.toContain(c._id);
    await post(quiet.client, c._id);
    expect(await inbox()).toContain(c._id);
  });
});

describe('messages', () => {
  let conversationId: string;
  let writer: Awaited<ReturnType<typeof signUpUser>>;
  beforeAll(async () => {
    writer = await signUpUser(app, { name: 'Paula Pager' });
    conversationId = (await openConversation(writer.client, { sellerId: shop.seller._id }))._id;
  });

  it('the sender comes from the session: a `sender` in the body is ignored, and text is trimmed', async () => {
    const res = await post(writer.client, conversationId, { text: '  hi there  ', sender: shop.seller._id, senderSide: 'shop' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.message).toMatchObject({ sender: writer.user._id, senderSide: 'user', text: 'hi there', images: [], readAt: null });
  });

  it('text is required unless an image is attached; blank, too long or non-text values are 400 and write nothing', async () => {
    const before = (await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId])).rows[0].n;
    const cases = [{}, { text: '   ' }, { text: 'x'.repeat(5001) }, { text: { $ne: '' } }, { text: 'ok', conversationId: 'nope' }];
    for (const body of cases) {
      const res = await post(writer.client, conversationId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.body.fields ?? {}).length).toBeGreaterThan(0);
    }
    const after = (await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId])).rows[0].n;
    expect(after).toBe(before);
  });

  it('reads come oldest to newest in pages with a `before` cursor; 120 messages page back exactly once, in order', async () => {
    const fresh = await signUpUser(app);
    const id = (await openConversation(fresh.client, { sellerId: otherShop.seller._id }))._id;
    const sent: string[] = [];
    for (let i = 0; i < 120; i++) {
      const res = await post(i % 3 === 0 ? otherShop.client : fresh.client, id, { text: `message ${i}` });
      expect(res.status).toBe(201);
      sent.push(res.body.message._id);
    }
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const res: any = await fresh.client.get(`/message/get-all-messages/${id}?limit=50${before ? `&before=${before}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.total).toBe(120);
      const texts = res.body.messages.map((m: any) => Number(m.text.split(' ')[1]));
      expect(texts).toEqual([...texts].sort((a, b) => a - b));
      seen.unshift(...res.body.messages.map((m: any) => m._id));
      before = res.body.before;
      pages++;
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual(sent);
    expect((await fresh.client.get(`/message/get-all-messages/${id}?limit=101`)).status).toBe(400);
    expect((await fresh.client.get(`/message/get-all-messages/${id}?before=nope`)).status).toBe(400);
  });

  it('reading marks the other side’s messages on the page read, and only those', async () => {
    const fresh = await signUpUser(app);
    const id = (await openConversation(fresh.client, { sellerId: shop.seller._id }))._id;
    for (let i = 0; i < 5; i++) await post(fresh.client, id, { text: `q${i}` });
    const unreadOf = async (client: TestClient, route: string) =>
      (await client.get(`${route}?limit=100`)).body.conversations.find((c: any) => c._id === id)?.unread;
    expect(await unreadOf(shop.client, '/conversation/get-all-seller-conversations')).toBe(5);

    // The buyer reading its own messages marks nothing.
    await fresh.client.get(`/message/get-all-messages/${id}`);
    expect(await unreadOf(shop.client, '/conversation/get-all-seller-conversations')).toBe(5);

    const page = await shop.client.get(`/message/get-all-messages/${id}?limit=2`);
    expect(page.body.messages.map((m: any) => m.text)).toEqual(['q3', 'q4']);
    expect(page.body.messages.every((m: any) => m.readAt)).toBe(true);
    expect(page.body.conversation.unread).toBe(3);
    expect(await unreadOf(shop.client, '/conversation/get-all-seller-conversations')).toBe(3);
    await shop.client.get(`/message/get-all-messages/${id}?before=${page.body.before}`);
    expect(await unreadOf(shop.client, '/conversation/get-all-seller-conversations')).toBe(0);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND read_at IS NULL', [id]);
    expect(rows[0].n).toBe(0);
  });

  it('lists put the newest activity first, with the last message’s preview and the viewer’s unread count', async () => {
    const fresh = await signUpUser(app);
    const a = (await openConversation(fresh.client, { sellerId: shop.seller._id }))._id;
    const b = (await openConversation(fresh.client, { sellerId: otherShop.seller._id }))._id;
    await post(fresh.client, a, { text: 'first' });
    await post(fresh.client, b, { text: 'second' });
    await post(shop.client, a, { text: `a long answer ${'x'.repeat(300)}` });
    const list = await fresh.client.get('/conversation/get-all-user-conversations?limit=1');
    expect(list.body).toMatchObject({ total: 2, page: 1, pages: 2 });
    expect(list.body.conversations).toHaveLength(1);
    const [top] = list.body.conversations;
    expect(top).toMatchObject({ _id: a, unread: 1, lastMessageSender: shop.seller._id, otherParty: { _id: shop.seller._id, name: 'Lamp Shop' } });
    expect(top.lastMessage).toMatch(/^a long answer x+…$/);
    expect(top.lastMessage.length).toBe(140);
    const second = await fresh.client.get('/conversation/get-all-user-conversations?limit=1&page=2');
    expect(second.body.conversations[0]).toMatchObject({ _id: b, unread: 0, lastMessage: 'second' });
  });

  it('unread counts stay exact under concurrent posts from both sides and reads racing them', async () => {
    const fresh = await signUpUser(app);
    const id = (await openConversation(fresh.client, { sellerId: shop.seller._id }))._id;
    const posts = Array.from({ length: 60 }, (_, i) => post(i % 2 === 0 ? fresh.client : shop.client, id, { text: `m${i}` }));
    const reads = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? shop.client : fresh.client).get(`/message/get-all-messages/${id}?limit=100`));
    const results = await Promise.all([...posts, ...reads]);
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const { rows } = await sql.query(
      `SELECT c.user_unread, c.shop_unread, c.message_count,
              (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.sender_side = 'shop' AND m.read_at IS NULL) AS user_unread_rows,
              (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.sender_side = 'user' AND m.read_at IS NULL) AS shop_unread_rows
       FROM conversations c WHERE c.id = $1`,
      [id],
    );
    expect(rows[0].message_count).toBe(60);
    expect(rows[0].user_unread).toBe(rows[0].user_unread_rows);
    expect(rows[0].shop_unread).toBe(rows[0].shop_unread_rows);

    // Without readers, each side's count is exactly what the other side sent.
    const calm = (await openConversation(fresh.client, { sellerId: shop.seller._id, productId }))._id;
    await Promise.all(Array.from({ length: 40 }, (_, i) => post(i % 2 === 0 ? fresh.client : shop.client, calm, { text: `c${i}` })));
    const { rows: counts } = await sql.query('SELECT user_unread, shop_unread, message_count, last_message_id FROM conversations WHERE id = $1', [calm]);
    expect(counts[0]).toMatchObject({ user_unread: 20, shop_unread: 20, message_count: 40 });
    const { rows: last } = await sql.query('SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT 1', [calm]);
    expect(counts[0].last_message_id).toBe(last[0].id);
  });
});

describe('message images', () => {
  let conversationId: string;
  let mediaDir: string;
  const filesUnder = async (dir: string) =>
    (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  beforeAll(async () => {
    conversationId = (await openConversation(otherBuyer.client, { sellerId: shop.seller._id }))._id;
    mediaDir = path.join(path.resolve(app.config.media.dir), 'messages');
  });

  it('up to 5 images (base64 or multipart) are stored in the media store and served; an image alone is a message', async () => {
    const res = await post(otherBuyer.client, conversationId, { images: [png(), png(), png(), png(), png()] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const images = res.body.message.images as { public_id: string; url: string }[];
    expect(images).toHaveLength(5);
    for (const image of images) {
      expect(image.public_id).toMatch(/^messages\/med_[0-9a-z]{26}\.png$/);
      expect((await fetch(new URL(image.url, app.url))).status).toBe(200);
    }
    const list = await shop.client.get('/conversation/get-all-seller-conversations?limit=100');
    expect(list.body.conversations.find((c: any) => c._id === conversationId).lastMessage).toBe('[5 images]');

    const form = new FormData();
    form.append('conversationId', conversationId);
    form.append('text', 'and a photo');
    form.append('images', new Blob([new Uint8Array(PNG_1PX)], { type: 'image/png' }), 'photo.png');
    const multipart = await shop.client.request('POST', '/message/create-new-message', { body: form });
    expect(multipart.status, JSON.stringify(multipart.body)).toBe(201);
    expect(multipart.body.message).toMatchObject({ text: 'and a photo', sender: shop.seller._id });
    expect(multipart.body.message.images).toHaveLength(1);
  });

  it('a sixth image, a file that is not an image and an oversized image are refused before anything is stored or written', async () => {
    const filesBefore = (await filesUnder(mediaDir)).length;
    const countBefore = (await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId])).rows[0].n;

    const six = await post(otherBuyer.client, conversationId, { text: 'six', images: [png(), png(), png(), png(), png(), png()] });
    expect(six.status).toBe(400);
    expect(six.body.fields).toHaveProperty('images');
    const notImage = await post(otherBuyer.client, conversationId, { text: 'pdf', images: [png(), pdf] });
    expect(notImage.status).toBe(400);
    expect(notImage.body.fields).toHaveProperty('images');
    const big = `data:image/png;base64,${Buffer.concat([PNG_1PX, Buffer.alloc(1.5 * MB, 1)]).toString('base64')}`;
    expect((await post(otherBuyer.client, conversationId, { text: 'big', images: [big] })).status).toBe(413);
    const form = new FormData();
    form.append('conversationId', conversationId);
    for (let i = 0; i < 6; i++) form.append('images', new Blob([new Uint8Array(PNG_1PX)], { type: 'image/png' }), `p${i}.png`);
    const sixParts = await otherBuyer.client.request('POST', '/message/create-new-message', { body: form });
    expect(sixParts.status).toBe(400);
    expect(sixParts.body.fields).toHaveProperty('images');

    expect((await filesUnder(mediaDir)).length).toBe(filesBefore);
    expect((await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId])).rows[0].n).toBe(countBefore);
  });

  it('a stranger’s images never reach the media store', async () => {
    const filesBefore = (await filesUnder(mediaDir)).length;
    expect((await post(otherShop.client, conversationId, { images: [png()] })).status).toBe(404);
    expect((await filesUnder(mediaDir)).length).toBe(filesBefore);
  });
});

describe('blocked and banned accounts', () => {
  it('a banned buyer cannot post (its session is refused, and core refuses it too); a conversation with a banned shop is closed (409)', async () => {
    const operator = app.core.ctx({ kind: 'operator', name: 'test' });
    const victim = await signUpUser(app);
    const bannedBuyer = await signUpUser(app);
    const bannedShop = await signUpShop(app);
    const toBanned = (await openConversation(victim.client, { sellerId: bannedShop.seller._id }))._id;
    const fromBanned = (await openConversation(bannedBuyer.client, { sellerId: shop.seller._id }))._id;

    await setShopBan(operator, bannedShop.seller._id, true, 'fraud');
    const closed = await post(victim.client, toBanned);
    expect(closed.status).toBe(409);
    expect(closed.body.message).toMatch(/closed.*banned/);

    await setUserBan(operator, bannedBuyer.user._id, true, 'spam');
    expect((await post(bannedBuyer.client, fromBanned)).status).toBe(403);
    await expect(postMessage(app.core.ctx({ kind: 'user', id: bannedBuyer.user._id, role: 'User' }), { conversationId: fromBanned, text: 'hi' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // The shop cannot write into a conversation whose buyer is banned either.
    expect((await post(shop.client, fromBanned)).status).toBe(409);
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = ANY($1)', [[toBanned, fromBanned]]);
    expect(rows[0].n).toBe(0);
  });
});
