import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { PNG_DATA_URL } from '../../helpers/commerce.ts';
import { tableFingerprints } from '../../helpers/database.ts';
import { registeredRoutes } from '../../helpers/routes.ts';
import { storefront, v2SignUpShop, v2SignUpUser } from '../../helpers/storefront.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
}, 60_000);
afterAll(() => app?.close());

describe('inbox pages over REST', () => {
  it('a buyer opens a conversation with {groupTitle,userId,sellerId}; both sides list it; messages take their sender from the session', async () => {
    const shop = await v2SignUpShop(app);
    const buyer = await v2SignUpUser(app);
    const stranger = await v2SignUpUser(app);

    const opened = await buyer.client.post('/conversation/create-new-conversation', {
      groupTitle: `${shop.seller._id}${stranger.user._id}`,
      userId: stranger.user._id,
      sellerId: shop.seller._id,
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.conversation._id as string;
    expect(opened.body.conversation.members).toEqual(expect.arrayContaining([buyer.user._id, shop.seller._id]));

    const sent = await buyer.client.post('/message/create-new-message', { sender: stranger.user._id, text: 'Is it still for sale?', conversationId: id });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.message).toMatchObject({ sender: buyer.user._id, text: 'Is it still for sale?', images: null });

    const photo = await shop.client.post('/message/create-new-message', { sender: buyer.user._id, text: '', conversationId: id, images: PNG_DATA_URL });
    expect(photo.status, JSON.stringify(photo.body)).toBe(201);
    expect(photo.body.message.sender).toBe(shop.seller._id);
    expect(photo.body.message.images.url).toEqual(expect.any(String));

    const updated = await shop.client.put(`/conversation/update-last-message/${id}`, { lastMessage: 'forged', lastMessageId: buyer.user._id });
    expect(updated.status).toBe(200);

    const sellerSide = await shop.client.get(`/conversation/get-all-conversation-seller/${shop.seller._id}`);
    expect(sellerSide.status).toBe(200);
    const conv = sellerSide.body.conversations.find((c: { _id: string }) => c._id === id);
    expect(conv).toMatchObject({ members: expect.any(Array), lastMessage: '[image]', lastMessageId: photo.body.message._id });
    const buyerSide = await buyer.client.get(`/conversation/get-all-conversation-user/${buyer.user._id}`);
    expect(buyerSide.body.conversations.map((c: { _id: string }) => c._id)).toEqual([id]);
    expect((await stranger.client.get(`/conversation/get-all-conversation-user/${buyer.user._id}`)).body.conversations).toEqual([]);

    const messages = await buyer.client.get(`/message/get-all-messages/${id}`);
    expect(messages.status).toBe(200);
    expect(messages.body.messages.map((m: { text: string }) => m.text)).toEqual(['Is it still for sale?', '']);
    for (const m of messages.body.messages) {
      for (const key of ['_id', 'sender', 'text', 'createdAt']) expect(m, key).toHaveProperty(key);
      expect(m.images === null || typeof m.images.url === 'string').toBe(true);
    }
    const outsider = await stranger.client.post('/message/create-new-message', { text: 'hi', conversationId: id });
    expect([403, 404]).toContain(outsider.status);
    expect((await stranger.client.get(`/message/get-all-messages/${id}`)).status).toBeGreaterThanOrEqual(403);
  });
});

// The storefront's own sign-up and sign-in calls: the only writes that take no session.
const PUBLIC_WRITES = new Set([
  'POST /api/v2/user/create-user',
  'POST /api/v2/user/activation',
  'POST /api/v2/user/login-user',
  'POST /api/v2/shop/create-shop',
  'POST /api/v2/shop/activation',
  'POST /api/v2/shop/login-shop',
]);

describe('guards on every write', () => {
  it('every /api/v2 route that writes answers 401 without a session and changes no row, even where the storefront sends no credentials', async () => {
    const writes = registeredRoutes(createApp(app.core)).filter((r) => r.path.startsWith('/api/v2/') && r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(30);
    const pool = (app.core.database.client as { kind: 'postgres'; pool: pg.Pool }).pool;
    const before = await tableFingerprints(pool);
    const anonymous = storefront({ url: app.url });
    let guarded = 0;
    for (const route of writes) {
      const key = `${route.method} ${route.path}`;
      if (PUBLIC_WRITES.has(key)) continue;
      const path = route.path.replace('/api/v2', '').replace(/:\w+/g, 'prod_x');
      const res = await anonymous.request(route.method, path, { json: { user: 'usr_x', shopId: 'shop_x', sellerId: 'shop_x', amount: 1 } });
      expect(res.status, `${key}: ${JSON.stringify(res.body)}`).toBe(401);
      expect(res.body.message, key).toMatch(/sign in/i);
      guarded++;
    }
    expect(guarded).toBe(writes.length - PUBLIC_WRITES.size);
    expect(await tableFingerprints(pool)).toEqual(before);
  });
});
