/**
 * The multi-request rows: what one virtual buyer does per flow. `products: 'spread'` walks the
 * 1,000 checkout products two at a time (consecutive products belong to different shops);
 * `'hot'` puts the same product in every cart, with a second line from another shop.
 * Each virtual user plays its own buyers in turn (user u: buyers u, u + users, …), so no two users
 * ever share a cart.
 */
import type { FlowPlan, FlowStep } from './lib/flow-load.ts';
import { need, type CheckoutProduct, type CheckoutSeed, type Seed } from './seed.ts';
import { BENCH_ORIGIN } from './servers/index.ts';

export type ProductMix = 'spread' | 'hot';

export const shippingAddress = { address1: '1 Market Street', city: 'Springfield', country: 'US', zipCode: '12345' };

/** Buyers and product pairs for one row. */
function picker(data: CheckoutSeed, mix: ProductMix, users: number) {
  if (data.buyers.length < users) throw new Error(`${users} virtual buyers need at least ${users} seeded buyers, have ${data.buyers.length}`);
  const buyersOf = Array.from({ length: users }, (_, u) => data.buyers.filter((_, i) => i % users === u));
  const turn = new Array<number>(users).fill(0);
  const others = data.products.filter((p) => p.shopId !== data.hot.shopId);
  let pair = 0;
  return {
    buyer(u: number) {
      const own = buyersOf[u]!;
      const t = turn[u]!;
      turn[u] = t + 1;
      return own[t % own.length]!;
    },
    products(): [CheckoutProduct, CheckoutProduct] {
      const k = pair++;
      if (mix === 'hot') return [data.hot, others[k % others.length]!];
      const n = data.products.length;
      return [data.products[(2 * k) % n]!, data.products[(2 * k + 1) % n]!];
    },
  };
}

const productIdsOf = (data: CheckoutSeed) => data.products.map((p) => p.id);

/**
 * mvshop's buyer flow, as a storefront sends it: two add-to-cart calls (products of two shops), then a
 * cash-on-delivery create-order (201, one order per shop). Cookie session plus the allowed Origin.
 */
export function buyerFlow(mix: ProductMix) {
  return (seed: Seed, users: number): FlowPlan => {
    const data = need(seed, 'checkout');
    const pick = picker(data, mix, users);
    const current = new Map<number, Record<string, string>>();
    return {
      keyStep: 'create-order',
      check: { productIds: productIdsOf(data), ordersPerFlow: 2, checkoutsPerFlow: 1 },
      next(u) {
        const buyer = pick.buyer(u);
        const headers = { cookie: `token=${buyer.token}`, origin: BENCH_ORIGIN };
        current.set(u, headers);
        const [a, b] = pick.products();
        return [
          { name: 'add-to-cart', method: 'POST', path: '/api/v1/cart/add-to-cart', headers, body: { productId: a.id, qty: 1 }, expectStatus: 200 },
          { name: 'add-to-cart', method: 'POST', path: '/api/v1/cart/add-to-cart', headers, body: { productId: b.id, qty: 1 }, expectStatus: 200 },
          {
            name: 'create-order',
            method: 'POST',
            path: '/api/v1/order/create-order',
            headers,
            body: { shippingAddress, paymentInfo: { type: 'Cash On Delivery' } },
            expectStatus: 201,
          },
        ] satisfies FlowStep[];
      },
      // A half-filled cart would put extra lines into this buyer's next order.
      recover: (u) => [{ name: 'clear-cart', method: 'DELETE', path: '/api/v1/cart/clear-cart', headers: current.get(u) ?? {}, expectStatus: 200 }],
    };
  };
}

/**
 * The tutorial storefront's order (`/api/v2`): it keeps the cart in the browser and sends it whole with
 * the cash-on-delivery create-order, so a checkout is one request (the cart replaces the server cart,
 * then the order is placed from it). The same products and buyers as `buyerFlow`.
 */
export function storefrontOrderFlow(mix: ProductMix) {
  return (seed: Seed, users: number): FlowPlan => {
    const data = need(seed, 'checkout');
    const pick = picker(data, mix, users);
    return {
      keyStep: 'create-order',
      check: { productIds: productIdsOf(data), ordersPerFlow: 2, checkoutsPerFlow: 1 },
      next(u) {
        const buyer = pick.buyer(u);
        const [a, b] = pick.products();
        return [
          {
            name: 'create-order',
            method: 'POST',
            path: '/api/v2/order/create-order',
            headers: { cookie: `token=${buyer.token}`, origin: BENCH_ORIGIN },
            body: { cart: [{ _id: a.id, qty: 1 }, { _id: b.id, qty: 1 }], shippingAddress, paymentInfo: { type: 'Cash On Delivery' } },
            expectStatus: 201,
          },
        ];
      },
    };
  };
}

/** The reference: one POST per flow, the raw SQL checkout transaction of servers/ref-checkout.ts. */
export function refCheckoutFlow(mix: ProductMix) {
  return (seed: Seed, users: number): FlowPlan => {
    const data = need(seed, 'checkout');
    const pick = picker(data, mix, users);
    return {
      keyStep: 'checkout',
      check: { productIds: productIdsOf(data), ordersPerFlow: 1, checkoutsPerFlow: 1 },
      next(u) {
        const buyer = pick.buyer(u);
        const [a, b] = pick.products();
        return [
          {
            name: 'checkout',
            method: 'POST',
            path: '/checkout',
            body: { userId: buyer.id, productIds: [a.id, b.id], shippingAddress },
            expectStatus: 201,
          },
        ];
      },
    };
  };
}

/**
 * The reference's checkout in the buyer flow's shape (servers/ref-checkout.ts): two raw cart upserts,
 * then the raw transaction reading the cart, three requests and three commits. A floor for that shape.
 */
export function refCartFlow(mix: ProductMix) {
  return (seed: Seed, users: number): FlowPlan => {
    const data = need(seed, 'checkout');
    const pick = picker(data, mix, users);
    const current = new Map<number, string>();
    return {
      keyStep: 'order',
      check: { productIds: productIdsOf(data), ordersPerFlow: 1, checkoutsPerFlow: 1 },
      next(u) {
        const buyer = pick.buyer(u);
        current.set(u, buyer.id);
        const [a, b] = pick.products();
        return [
          { name: 'cart', method: 'POST', path: '/cart', body: { userId: buyer.id, productId: a.id }, expectStatus: 200 },
          { name: 'cart', method: 'POST', path: '/cart', body: { userId: buyer.id, productId: b.id }, expectStatus: 200 },
          { name: 'order', method: 'POST', path: '/order', body: { userId: buyer.id, shippingAddress }, expectStatus: 201 },
        ] satisfies FlowStep[];
      },
      // As in buyerFlow: a half-filled cart would put extra lines into this buyer's next order.
      recover: (u) => [{ name: 'clear-cart', method: 'POST', path: '/cart/clear', body: { userId: current.get(u) }, expectStatus: 200 }],
    };
  };
}
