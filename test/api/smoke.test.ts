import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('harness', () => {
  it('signs up a buyer and a shop end to end over SMTP', async () => {
    const { client, user } = await signUpUser(app);
    const me = await client.get('/user/me');
    expect(me.status).toBe(200);
    expect(me.body.user._id).toBe(user._id);
    const shop = await signUpShop(app);
    const sellerMe = await shop.client.get('/shop/me');
    expect(sellerMe.body.seller.availableBalance).toBe(0);
  });
});
