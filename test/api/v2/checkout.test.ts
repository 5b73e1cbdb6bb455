import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/core/db/index.ts';
import { signUpAdmin } from '../../helpers/factories.ts';
import { expectBooksClean, settleAll, startCardApp, type CardApp, BANK } from '../../helpers/money.ts';
import type { TestClient } from '../../helpers/http.ts';
import { asV1, cartLine, productForm, SHIPPING, storefront, v2SignUpShop, v2SignUpUser } from '../../helpers/storefront.ts';

/*
 * The storefront's checkout against /api/v2: it sends its browser cart (whole product documents
 * with its own prices), a `user`, a `totalPrice` it computed and a payment status it was told. Only
 * ids and quantities may count; the price, the buyer and the payment's success are the server's.
 */

let app: CardApp;
beforeAll(async () => {
  app = await startCardApp({ env: { STRIPE_API_KEY: 'pk_test_storefront' } });
}, 60_000);
afterAll(() => app?.close());

const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(app.core.database.db, query);
const DAY = 86_400_000;

/** A shop with one product (price 30 after discount, shipping 0) as the storefront lists it. */
async function shopWithProduct(over: Record<string, unknown> = {}) {
  const shop = await v2SignUpShop(app);
  const res = await shop.client.post('/product/create-product', productForm(shop.seller._id, over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const listed = await storefront(app).get(`/product/get-all-products-shop/${shop.seller._id}`);
  return { shop, product: listed.body.products[0] as Record<string, any> };
}

const codOrder = (buyer: TestClient, body: Record<string, unknown>) =>
  buyer.post('/order/create-order', { shippingAddress: SHIPPING, paymentInfo: { type: 'Cash On Delivery' }, ...body });

const ordersOf = (userId: string) => rows<{ id: string; total_minor: number; shop_id: string }>(sql`SELECT id, total_minor, shop_id FROM orders WHERE user_id = ${userId}`);
const stockOf = async (productId: string) => (await rows<{ stock: number }>(sql`SELECT stock FROM product_stock WHERE product_id = ${productId}`))[0]!.stock;

describe('create-order, cash on delivery', () => {
  it('prices on the server: a tampered totalPrice and tampered line prices are ignored, the order is the session buyer’s', async () => {
    const { product } = await shopWithProduct();
    const buyer = await v2SignUpUser(app);
    const stranger = await v2SignUpUser(app);
    const res = await codOrder(buyer.client, {
      cart: [cartLine(product, 2, { discountPrice: 0.01, originalPrice: 0.01 })],
      user: { _id: stranger.user._id, name: 'Someone else' },
      totalPrice: 0.02,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders).toHaveLength(1);
    const order = res.body.orders[0];
    expect(order).toMatchObject({ totalPrice: 60, status: 'Processing', user: { _id: buyer.user._id }, paymentInfo: { type: 'Cash On Delivery' } });
    expect(order.cart[0]).toMatchObject({ _id: product._id, qty: 2, discountPrice: 30, isReviewed: false });
    expect(await ordersOf(buyer.user._id)).toEqual([expect.objectContaining({ total_minor: 6000 })]);
    expect(await ordersOf(stranger.user._id)).toEqual([]);
    expect(await stockOf(product._id)).toBe(3);
    // Bought lines leave the server cart, as with /api/v1.
    expect(await rows(sql`SELECT 1 FROM cart_items WHERE user_id = ${buyer.user._id}`)).toEqual([]);
  });

  it('a deleted product in the browser cart is a 409 naming it; nothing is ordered and the server cart is unchanged', async () => {
    const { shop, product } = await shopWithProduct({ name: 'Gone lamp' });
    const { product: kept } = await shopWithProduct({ name: 'Kept lamp' });
    const buyer = await v2SignUpUser(app);
    const before = await asCart(buyer.client, kept._id);
    expect((await shop.client.delete(`/product/delete-shop-product/${product._id}`)).status).toBe(200);
    const res = await codOrder(buyer.client, { cart: [cartLine(kept, 1), cartLine(product, 1)], totalPrice: 60 });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain(product._id);
    expect(await ordersOf(buyer.user._id)).toEqual([]);
    expect(await rows(sql`SELECT product_id, qty FROM cart_items WHERE user_id = ${buyer.user._id}`)).toEqual(before);
    expect(await stockOf(kept._id)).toBe(5);
  });

  it('a quantity above stock is a 400 saying how many are left; nothing is ordered or taken from stock', async () => {
    const { product } = await shopWithProduct({ stock: 2 });
    const buyer = await v2SignUpUser(app);
    const res = await codOrder(buyer.client, { cart: [cartLine(product, 3)], totalPrice: 90 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Only 2 of .* in stock/);
    expect(await ordersOf(buyer.user._id)).toEqual([]);
    expect(await stockOf(product._id)).toBe(2);
  });

  it('the same product twice in the browser cart counts once with the quantities added, checked against stock as a whole', async () => {
    const { product } = await shopWithProduct({ stock: 3 });
    const buyer = await v2SignUpUser(app);
    const over = await codOrder(buyer.client, { cart: [cartLine(product, 2), cartLine(product, 2)] });
    expect(over.status).toBe(400);
    expect(over.body.message).toMatch(/Only 3 of .* \(asked for 4\)/);
    const ok = await codOrder(buyer.client, { cart: [cartLine(product, 1), cartLine(product, 2)] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.orders[0].cart).toEqual([expect.objectContaining({ _id: product._id, qty: 3 })]);
    expect(await stockOf(product._id)).toBe(0);
  });

  it('a cart of two shops makes one order per shop; a cart that is not a list, or an empty one, is a 400 with a message', async () => {
    const a = await shopWithProduct();
    const b = await shopWithProduct({ originalPrice: 12.5, discountPrice: null });
    const buyer = await v2SignUpUser(app);
    const res = await codOrder(buyer.client, { cart: [cartLine(a.product, 1), cartLine(b.product, 2)], totalPrice: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders.map((o: { totalPrice: number }) => o.totalPrice).sort()).toEqual([25, 30]);
    const notList = await codOrder(buyer.client, { cart: 'everything' });
    expect(notList.status).toBe(400);
    expect(notList.body.message).toMatch(/cart/);
    const empty = await codOrder(buyer.client, { cart: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/at least one item/);
  });

  it('PayPal is refused with a message; a missing shippingAddress is a 400; no session is a 401', async () => {
    const { product } = await shopWithProduct();
    const buyer = await v2SignUpUser(app);
    const paypal = await buyer.client.post('/order/create-order', {
      cart: [cartLine(product, 1)],
      shippingAddress: SHIPPING,
      paymentInfo: { id: 'PAYID-1', status: 'succeeded', type: 'Paypal' },
    });
    expect(paypal.status).toBe(400);
    expect(paypal.body.message).toMatch(/PayPal/);
    const noAddress = await buyer.client.post('/order/create-order', { cart: [cartLine(product, 1)], paymentInfo: { type: 'Cash On Delivery' } });
    expect(noAddress.status).toBe(400);
    expect(noAddress.body.message).toMatch(/shippingAddress/);
    expect((await codOrder(storefront(app), { cart: [cartLine(product, 1)] })).status).toBe(401);
    expect(await ordersOf(buyer.user._id)).toEqual([]);
  });
});

/** The server cart as rows, after putting one of `productId` in it through /api/v1. */
async function asCart(client: TestClient, productId: string) {
  const res = await asV1(app, client).post('/cart/add-to-cart', { productId, qty: 1 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return [{ product_id: productId, qty: 1 }];
}

describe('card checkout: payment/process then create-order with `paymnentInfo`', () => {
  it('the PaymentIntent is for the server’s price, not `amount`; the order is created once Stripe says succeeded', async () => {
    const { product } = await shopWithProduct();
    const buyer = await v2SignUpUser(app);
    const key = await storefront(app).get('/payment/stripeapikey');
    expect(key.body.stripeApikey).toBe('pk_test_storefront');

    const pay = await buyer.client.post('/payment/process', { amount: 100, cart: [cartLine(product, 2, { discountPrice: 0.5 })], shippingAddress: SHIPPING });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    expect(pay.body.client_secret).toEqual(expect.any(String));
    expect(pay.body.amount).toBe(60);
    const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
    expect(app.stripe.paymentIntents.get(intentId)?.amount).toBe(6000);

    // The browser claims success before Stripe has it: refused, nothing ordered.
    const early = await buyer.client.post('/order/create-order', {
      cart: [cartLine(product, 2)],
      shippingAddress: SHIPPING,
      user: buyer.user,
      totalPrice: 1,
      paymnentInfo: { id: intentId, status: 'succeeded', type: 'Credit Card' },
    });
    expect(early.status).toBe(422);
    expect(early.body.message).toMatch(/has not succeeded/);
    expect(await ordersOf(buyer.user._id)).toEqual([]);

    app.stripe.succeed(intentId);
    const res = await buyer.client.post('/order/create-order', {
      cart: [cartLine(product, 2)],
      shippingAddress: SHIPPING,
      user: buyer.user,
      totalPrice: 1,
      paymnentInfo: { id: intentId, status: 'succeeded', type: 'Credit Card' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.orders[0]).toMatchObject({ totalPrice: 60, paymentInfo: { id: intentId, type: 'Credit Card', status: 'succeeded' } });
    expect(await ordersOf(buyer.user._id)).toEqual([expect.objectContaining({ total_minor: 6000 })]);
    await expectBooksClean(app);
  });

  it('`{ amount }` alone is a 400 saying what is missing; no intent is created', async () => {
    const buyer = await v2SignUpUser(app);
    const intents = app.stripe.paymentIntents.size;
    const res = await buyer.client.post('/payment/process', { amount: 6000 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/shippingAddress/);
    expect(app.stripe.paymentIntents.size).toBe(intents);
  });

  it('another buyer cannot order with someone’s succeeded intent', async () => {
    const { product } = await shopWithProduct();
    const buyer = await v2SignUpUser(app);
    const pay = await buyer.client.post('/payment/process', { amount: 1, cart: [cartLine(product, 1)], shippingAddress: SHIPPING });
    const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
    app.stripe.succeed(intentId);
    const thief = await v2SignUpUser(app);
    const res = await thief.client.post('/order/create-order', {
      cart: [cartLine(product, 1)],
      shippingAddress: SHIPPING,
      user: buyer.user,
      paymnentInfo: { id: intentId, status: 'succeeded', type: 'Credit Card' },
    });
    expect(res.status).toBe(404);
    expect(await ordersOf(thief.user._id)).toEqual([]);
  });
});

describe('orders pages, reviews, refunds and withdrawals', () => {
  it('buyer and seller lists read data.orders with the fields the pages render; fulfilment, review, refund; withdrawal', async () => {
    const { shop, product } = await shopWithProduct({ originalPrice: 200, discountPrice: null, stock: 10 });
    const bank = await shop.client.put('/shop/update-payment-methods', { withdrawMethod: BANK });
    expect(bank.status).toBe(200);
    const buyer = await v2SignUpUser(app);

    const paid = async () => {
      const pay = await buyer.client.post('/payment/process', { amount: 1, cart: [cartLine(product, 1)], shippingAddress: SHIPPING });
      const intentId = (pay.body.client_secret as string).split('_secret_')[0]!;
      app.stripe.succeed(intentId);
      const res = await buyer.client.post('/order/create-order', { cart: [cartLine(product, 1)], shippingAddress: SHIPPING, paymnentInfo: { id: intentId, status: 'succeeded', type: 'Credit Card' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.orders[0]._id as string;
    };
    const first = await paid();
    const second = await paid();

    const mine = await buyer.client.get(`/order/get-all-orders/${buyer.user._id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.orders).toHaveLength(2);
    const o = mine.body.orders[0];
    for (const key of ['_id', 'createdAt', 'totalPrice', 'status', 'cart', 'shippingAddress', 'user', 'paymentInfo']) expect(o, key).toHaveProperty(key);
    expect(o.cart[0]).toMatchObject({ _id: product._id, name: product.name, discountPrice: 200, qty: 1, shopId: shop.seller._id, isReviewed: false });
    expect(o.cart[0].images[0].url).toEqual(expect.any(String));
    expect(o.shippingAddress).toMatchObject({ address1: '1 Main St', country: 'US', city: 'Springfield' });
    expect(o.user._id).toBe(buyer.user._id);
    expect(o.paymentInfo.status).toBe('succeeded');
    const stranger = await v2SignUpUser(app);
    expect((await stranger.client.get(`/order/get-all-orders/${buyer.user._id}`)).status).toBe(403);

    const sellerList = await shop.client.get(`/order/get-seller-all-orders/${shop.seller._id}`);
    expect(sellerList.status).toBe(200);
    expect(sellerList.body.orders.map((x: { _id: string }) => x._id).sort()).toEqual([first, second].sort());

    for (const status of ['Transferred to delivery partner', 'Shipping', 'Received', 'On the way', 'Delivered']) {
      const res = await shop.client.put(`/order/update-order-status/${first}`, { status });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.order.status).toBe(status);
    }
    expect((await buyer.client.put(`/order/update-order-status/${second}`, { status: 'Shipping' })).status).toBe(401);

    const review = await buyer.client.put('/product/create-new-review', { user: stranger.user, rating: 4, comment: 'Bright', productId: product._id, orderId: first });
    expect(review.status, JSON.stringify(review.body)).toBe(201);
    expect(await rows(sql`SELECT user_id, rating FROM reviews WHERE product_id = ${product._id}`)).toEqual([{ user_id: buyer.user._id, rating: 4 }]);

    const refund = await buyer.client.put(`/order/order-refund/${second}`, { status: 'Processing refund' });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(refund.body.message).toEqual(expect.any(String));
    expect(refund.body.order.status).toBe('Processing refund');
    const refunded = await shop.client.put(`/order/order-refund-success/${second}`, { status: 'Refund Success' });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    expect(refunded.body.order.status).toBe('Refund Success');

    // Settled after the hold, the seller asks to be paid; an admin approves and reads data.withdraws.
    await settleAll(app, new Date(Date.now() + 30 * DAY));
    const asked = await shop.client.post('/withdraw/create-withdraw-request', { amount: 100 });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.withdraw).toMatchObject({ amount: 100, status: 'Processing', seller: { _id: shop.seller._id } });
    const tooMuch = await shop.client.post('/withdraw/create-withdraw-request', { amount: 1000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.message).toEqual(expect.any(String));

    const admin = await signUpAdmin(app);
    const adminV2 = storefront(app);
    for (const [k, v] of admin.client.cookies) adminV2.cookies.set(k, v);
    const list = await adminV2.get('/withdraw/get-all-withdraw-request');
    expect(list.status).toBe(200);
    expect(list.body.withdraws.map((w: { _id: string }) => w._id)).toContain(asked.body.withdraw._id);
    const approved = await adminV2.put(`/withdraw/update-withdraw-request/${asked.body.withdraw._id}`, { sellerId: 'shop_someone_else' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.withdraw).toMatchObject({ _id: asked.body.withdraw._id, status: 'succeed' });
    expect(approved.body.withdraws.find((w: { _id: string }) => w._id === asked.body.withdraw._id).status).toBe('succeed');
    expect((await shop.client.put(`/withdraw/update-withdraw-request/${asked.body.withdraw._id}`, {})).status).toBe(401);

    const all = await adminV2.get('/order/admin-all-orders');
    expect(all.status).toBe(200);
    expect(all.body.orders.map((x: { _id: string }) => x._id)).toEqual(expect.arrayContaining([first, second]));
    const seller = await shop.client.get('/shop/getSeller');
    expect(seller.body.seller.availableBalance).toBe(80); // 200 − 10 % commission − 100 paid out
    await expectBooksClean(app);
  });
});
