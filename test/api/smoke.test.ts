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

describe('OUTBOX_IN_API=false', () => {
  it('the API writes the email to the outbox but leaves delivery to the worker', async () => {
    const { sql } = await import('drizzle-orm');
    const { queryRows } = await import('../../src/core/db/index.ts');
    const { drainOutbox } = await import('../../src/core/outbox/index.ts');
    const { sendEmailHandler, MAIL_TOPIC } = await import('../../src/core/mail/index.ts');
    const { uniqueEmail, PASSWORD } = await import('../helpers/factories.ts');
    const quiet = await startTestApp({ env: { OUTBOX_IN_API: 'false' } });
    try {
      const email = uniqueEmail('later');
      expect((await quiet.client().post('/user/register', { name: 'Later', email, password: PASSWORD })).status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      expect(quiet.mail.messages.filter((m) => m.to === email)).toHaveLength(0);
      const [pending] = await queryRows<{ n: number }>(quiet.core.database.db, sql`SELECT COUNT(*)::int AS n FROM outbox WHERE status = 'pending'`);
      expect(pending!.n).toBe(1);
      // What the worker does: drain the outbox.
      await drainOutbox(quiet.core.ctx({ kind: 'system', name: 'worker' }), { [MAIL_TOPIC]: sendEmailHandler });
      await quiet.mail.waitFor(email);
    } finally {
      await quiet.close();
    }
  });
});
