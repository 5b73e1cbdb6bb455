import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/core/db/index.ts';
import { verifyLedger } from '../../src/core/ledger/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpAdmin, signUpShop, signUpUser } from '../helpers/factories.ts';
import { ADDRESS, addToCart, balances, deliver, listProduct, placeCodOrder } from '../helpers/commerce.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';

let app: TestApp;
let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
  app = await startTestApp({
    env: stripe.env,
  });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);

/** Two shops, one card checkout; returns both orders. */
async function paidTwoShopOrder() {
  const a = await signUpShop(app);
  const b = await signUpShop(app);
  const pa = await listProduct(a.client, { originalPrice: 40, stock: 5 });
  const pb = await listProduct(b.client, { originalPrice: 10, stock: 5 });
  const buyer = await signUpUser(app);
  await addToCart(buyer.client, pa, 1);
  await addToCart(buyer.client, pb, 2);
  const pay = await buyer.client.post('/payment/payment-process', { shippingAddress: ADDRESS });
  const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
  stripe.succeed(intentId);
  const res = await buyer.client.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const orderA = res.body.orders.find((o: any) => o.shopId === a.seller._id);
  const orderB = res.body.orders.find((o: any) => o.shopId === b.seller._id);
  return { a, b, pa, pb, buyer, intentId, orderA, orderB };
}

describe('order status', () => {
  it('the owning seller moves an order one legal step at a time, with history', async () => {
    const { a, orderA } = await paidTwoShopOrder();
    const skip = await a.client.put(`/order/update-order-status/${orderA._id}`, { status: 'Delivered' });
    expect(skip.status).toBe(409);
    expect(skip.body.message).toMatch(/next step is "Transferred to delivery partner"/);
    const bogus = await a.client.put(`/order/update-order-status/${orderA._id}`, { status: 'Teleported' });
    expect(bogus.status).toBe(400);
    await deliver(a.client, orderA._id);
    const detail = await a.client.get(`/order/${orderA._id}`);
    expect(detail.body.order.status).toBe('Delivered');
    expect(detail.body.order.statusHistory.map((h: any) => h.status)).toEqual([
      'Processing',
      'Transferred to delivery partner',
      'Shipping',
      'Received',
      'On the way',
      'Delivered',
    ]);
    expect(detail.body.order.statusHistory[1].actor).toBe(a.seller._id);
  });

  it('another shop cannot move it (403) and a stranger cannot read it (404)', async () => {
    const { b, orderA } = await paidTwoShopOrder();
    const res = await b.client.put(`/order/update-order-status/${orderA._id}`, { status: 'Transferred to delivery partner' });
    expect(res.status).toBe(403);
    const stranger = await signUpUser(app);
    expect((await stranger.client.get(`/order/${orderA._id}`)).status).toBe(404);
    expect((await b.client.get(`/order/${orderA._id}`)).status).toBe(404);
  });

  it('lists are paginated, scoped to the caller and filterable by status', async () => {
    const { a, buyer, orderA } = await paidTwoShopOrder();
    const mine = await buyer.client.get('/order/get-all-orders?limit=1');
    expect(mine.body).toMatchObject({ total: 2, page: 1, pages: 2 });
    expect(mine.body.orders).toHaveLength(1);
    const own = await buyer.client.get(`/order/get-all-orders/${buyer.user._id}`);
    expect(own.body.total).toBe(2);
    const other = await signUpUser(app);
    expect((await other.client.get(`/order/get-all-orders/${buyer.user._id}`)).status).toBe(403);
    const seller = await a.client.get('/order/get-seller-all-orders?status=Processing');
    expect(seller.body.orders.map((o: any) => o._id)).toEqual([orderA._id]);
    expect((await a.client.get('/order/get-seller-all-orders?status=Lost')).status).toBe(400);
    expect((await buyer.client.get('/order/admin-all-orders')).status).toBe(403);
    const admin = await signUpAdmin(app);
    const all = await admin.client.get(`/order/admin-all-orders?shop=${a.seller._id}`);
    expect(all.body.orders.map((o: any) => o._id)).toContain(orderA._id);
  });
});

describe('refunds', () => {
  it('a card refund returns the order amount through Stripe once, restocks and reverses the ledger', async () => {
    const { a, b, pa, buyer, intentId, orderA } = await paidTwoShopOrder();
    const asked = await buyer.client.put(`/order/order-refund/${orderA._id}`, { reason: 'changed my mind' });
    expect(asked.status).toBe(200);
    expect(asked.body.order.status).toBe('Processing refund');

    const [first, second] = await Promise.all([
      a.client.put(`/order/order-refund-success/${orderA._id}`),
      a.client.put(`/order/order-refund-success/${orderA._id}`),
    ]);
    // A duplicate arriving while the refund is in flight joins it (same idempotency key) or finds it done.
    for (const r of [first, second]) expect([200, 409]).toContain(r.status);
    expect(stripe.amountRefunded(intentId)).toBe(4000);
    expect(stripe.refundsFor(intentId)).toHaveLength(1);
    expect(await rows(sql`SELECT id FROM refunds WHERE order_id = ${orderA._id}`)).toHaveLength(1);
    expect(await rows(sql`SELECT id FROM ledger_journals WHERE kind = 'order-refund' AND ref = ${orderA._id}`)).toHaveLength(1);
    const refundCalls = stripe.requests.filter((r) => r.path === '/v1/refunds' && r.method === 'POST' && !r.replayed);
    expect(refundCalls.filter((r) => r.idempotencyKey === `refund-${orderA._id}`).length).toBeGreaterThanOrEqual(1);
    const [p] = await rows<{ stock: number; sold_count: number }>(sql`SELECT stock, sold_count FROM product_stock WHERE product_id = ${pa}`);
    expect(p).toEqual({ stock: 5, sold_count: 0 });
    const bal = await balances(app);
    expect(bal[`shop:${a.seller._id}:pending`]).toBe(0);
    expect(bal[`shop:${b.seller._id}:pending`]).toBe(1800);
    expect(await verifyLedger(app.core.ctx())).toMatchObject({ ok: true, totalMinor: 0 });
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Refund for order ${orderA._id}`);
    const again = await a.client.put(`/order/order-refund-success/${orderA._id}`);
    expect(again.status).toBe(409);
  });

  it('a refund cannot be completed before the buyer asks for it, nor by another shop', async () => {
    const { a, b, orderA } = await paidTwoShopOrder();
    expect((await a.client.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(409);
    expect((await b.client.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(403);
  });

  it('the buyer of an order cannot complete its refund (403 naming who can); another buyer does not learn it exists (404)', async () => {
    const { a, buyer, orderA } = await paidTwoShopOrder();
    expect((await buyer.client.put(`/order/order-refund/${orderA._id}`, { reason: 'changed my mind' })).status).toBe(200);
    const own = await buyer.client.put(`/order/order-refund-success/${orderA._id}`);
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({ success: false, code: 'FORBIDDEN', message: "Only the order's shop or an admin completes a refund; the buyer requests one" });
    const stranger = await signUpUser(app);
    expect((await stranger.client.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(404);
    const [order] = await rows<{ status: string }>(sql`SELECT status FROM orders WHERE id = ${orderA._id}`);
    expect(order!.status).toBe('Processing refund');
    expect((await a.client.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(200);
  });

  it('when Stripe fails after committing, the refund stays unknown and a retry with the same key completes it', async () => {
    const { a, buyer, intentId, orderA } = await paidTwoShopOrder();
    await buyer.client.put(`/order/order-refund/${orderA._id}`, {});
    stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit' });
    const failed = await a.client.put(`/order/order-refund-success/${orderA._id}`);
    expect(failed.status).toBe(502);
    const [r1] = await rows<{ status: string }>(sql`SELECT status FROM refunds WHERE order_id = ${orderA._id}`);
    expect(r1!.status).toBe('unknown');
    expect((await a.client.get(`/order/${orderA._id}`)).body.order.status).toBe('Processing refund');
    const retried = await a.client.put(`/order/order-refund-success/${orderA._id}`);
    expect(retried.status).toBe(200);
    expect(retried.body.order.status).toBe('Refund Success');
    expect(stripe.amountRefunded(intentId)).toBe(4000);
  });

  it('when Stripe confirms an unknown refund by webhook, the order is finished', async () => {
    const { a, buyer, intentId, orderA } = await paidTwoShopOrder();
    await buyer.client.put(`/order/order-refund/${orderA._id}`, {});
    stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit' });
    expect((await a.client.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(502);
    const refund = stripe.refundsFor(intentId)[0]!;
    const res = await stripe.deliverWebhook(`${app.url}/api/v1/payment/webhook`, stripe.webhookEvent('refund.updated', refund));
    expect(res.status).toBe(200);
    expect((await a.client.get(`/order/${orderA._id}`)).body.order.status).toBe('Refund Success');
    expect(await verifyLedger(app.core.ctx())).toMatchObject({ ok: true });
  });

  it('a seller using a Bearer token, or also holding a buyer cookie, can still act on their own order', async () => {
    const { a, orderA, buyer } = await paidTwoShopOrder();
    const bearer = app.client();
    const token = a.client.cookies.get('seller_token')!;
    const viaBearer = await bearer.get(`/order/${orderA._id}`, { authorization: `Bearer ${token}` });
    expect(viaBearer.status).toBe(200);
    const both = app.client();
    both.cookies.set('seller_token', token);
    both.cookies.set('token', (await signUpUser(app)).client.cookies.get('token')!);
    await buyer.client.put(`/order/order-refund/${orderA._id}`, {});
    expect((await both.put(`/order/order-refund-success/${orderA._id}`)).status).toBe(200);
  });

  it('an admin may complete a refund, and it is audited', async () => {
    const { buyer, orderB } = await paidTwoShopOrder();
    await buyer.client.put(`/order/order-refund/${orderB._id}`, {});
    const admin = await signUpAdmin(app);
    const res = await admin.client.put(`/order/order-refund-success/${orderB._id}`);
    expect(res.status).toBe(200);
    const audit = await rows(sql`SELECT id FROM audit_log WHERE action = 'order.refund' AND target = ${orderB._id}`);
    expect(audit).toHaveLength(1);
  });

  it('an admin refund that Stripe leaves unknown is audited at once, before anything completes it', async () => {
    const { buyer, orderB } = await paidTwoShopOrder();
    await buyer.client.put(`/order/order-refund/${orderB._id}`, {});
    const admin = await signUpAdmin(app);
    stripe.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-before-commit' });
    expect((await admin.client.put(`/order/order-refund-success/${orderB._id}`)).status).toBe(502);
    const audit = await rows<{ actor: string }>(sql`SELECT actor FROM audit_log WHERE action = 'order.refund' AND target = ${orderB._id}`);
    expect(audit).toEqual([{ actor: admin.user._id }]);
  });

  it('cash on delivery refunded before delivery: nothing was collected, so no refund record; the buyer is told it is cancelled', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { originalPrice: 30, stock: 3 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 1);
    const orderId = (await placeCodOrder(buyer.client)).body.orders[0]._id;
    await buyer.client.put(`/order/order-refund/${orderId}`, {});
    const done = await shop.client.put(`/order/order-refund-success/${orderId}`);
    expect(done.status).toBe(200);
    expect(done.body.order.status).toBe('Refund Success');
    expect(await rows(sql`SELECT id FROM refunds WHERE order_id = ${orderId}`)).toHaveLength(0);
    await app.mail.waitFor(buyer.email, (m) => m.subject === `Order ${orderId} is cancelled`);
    const [stock] = await rows<{ stock: number }>(sql`SELECT stock FROM product_stock WHERE product_id = ${p}`);
    expect(stock!.stock).toBe(3);
  });

  it('cash on delivery: delivery marks it paid and books the commission; a refund reverses the commission', async () => {
    const shop = await signUpShop(app);
    const p = await listProduct(shop.client, { originalPrice: 50, stock: 3 });
    const buyer = await signUpUser(app);
    await addToCart(buyer.client, p, 1);
    const placed = await placeCodOrder(buyer.client);
    const orderId = placed.body.orders[0]._id;
    await deliver(shop.client, orderId);
    const delivered = await buyer.client.get(`/order/${orderId}`);
    expect(delivered.body.order.paymentInfo.status).toBe('succeeded');
    expect((await balances(app))[`shop:${shop.seller._id}:available`]).toBe(-500);
    await buyer.client.put(`/order/order-refund/${orderId}`, {});
    const done = await shop.client.put(`/order/order-refund-success/${orderId}`);
    expect(done.status).toBe(200);
    expect((await balances(app))[`shop:${shop.seller._id}:available`]).toBe(0);
    expect(await verifyLedger(app.core.ctx())).toMatchObject({ ok: true });
  });
});

describe('reviews', () => {
  it('only a buyer with a delivered order line may review it, once; ratings stay exact', async () => {
    const { a, pa, buyer, orderA } = await paidTwoShopOrder();
    const early = await buyer.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 5, comment: 'Great' });
    expect(early.status).toBe(409);
    await deliver(a.client, orderA._id);
    const stranger = await signUpUser(app);
    const theirs = await stranger.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 1, comment: 'Bad' });
    expect(theirs.status).toBe(404);
    const bad = await buyer.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 6, comment: 'x' });
    expect(bad.status).toBe(400);
    const ok = await buyer.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 4, comment: 'Solid' });
    expect(ok.status).toBe(201);
    const dup = await buyer.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 5, comment: 'Again' });
    expect(dup.status).toBe(409);
    const [p] = await rows<{ rating_sum: number; rating_count: number }>(sql`SELECT rating_sum, rating_count FROM products WHERE id = ${pa}`);
    expect(p).toEqual({ rating_sum: 4, rating_count: 1 });
    const order = await buyer.client.get(`/order/${orderA._id}`);
    expect(order.body.order.cart[0].isReviewed).toBe(true);
  });
});

describe('product page after orders', () => {
  it('shows buyers’ reviews, and replacing images keeps the one past orders still show', async () => {
    const { a, pa, buyer, orderA } = await paidTwoShopOrder();
    await deliver(a.client, orderA._id);
    await buyer.client.put('/product/create-new-review', { productId: pa, orderId: orderA._id, rating: 5, comment: 'Lovely' });
    const page = await app.client().get(`/product/${pa}`);
    expect(page.body.product.reviews).toEqual([
      expect.objectContaining({ rating: 5, comment: 'Lovely', user: expect.objectContaining({ _id: buyer.user._id, name: 'Ann Buyer' }) }),
    ]);
    const oldImage = page.body.product.images[0];
    const { PNG_DATA_URL } = await import('../helpers/commerce.ts');
    const updated = await a.client.put(`/product/${pa}`, { images: [PNG_DATA_URL] });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.product.images[0].public_id).not.toBe(oldImage.public_id);
    const file = await fetch(`${app.url}${oldImage.url}`);
    expect(file.status).toBe(200);
  });
});
