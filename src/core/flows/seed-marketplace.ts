import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { hashPassword } from '../auth/index.ts';
import { addToCart } from '../cart/index.ts';
import { seedCatalog } from '../catalog/index.ts';
import { createCoupon } from '../coupons/index.ts';
import { queryRows } from '../db/tx.ts';
import type { OrderStatus } from '../db/schema/index.ts';
import { shopBalances } from '../ledger/index.ts';
import { fulfilmentPath, requestRefund, updateOrderStatus, type OrderDto } from '../orders/index.ts';
import type { PaymentProvider } from '../payments/index.ts';
import { createReview } from '../reviews/index.ts';
import { seedBuyers } from '../users/index.ts';
import { approveWithdrawal, rejectWithdrawal, requestWithdrawal } from '../withdrawals/index.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, forbidden } from '../shared/errors.ts';
import { withSeededIds } from '../shared/ids.ts';
import { prng, type Rng } from '../shared/prng.ts';
import { parseInput } from '../shared/validation.ts';
import { placeOrder } from './place-order.ts';
import { refundOrder } from './refund-order.ts';
import { settleAllDueOrders } from './settle-due-orders.ts';
import { startCardPayment } from './start-card-payment.ts';

/** The seeded world's "now" unless `at` moves it: fixed, so the same seed gives the same timestamps. */
export const SEED_BASE_TIME = '2026-01-01T00:00:00.000Z';

export const seedMarketplaceInput = z
  .object({
    shops: z.number().int().min(1).max(10_000).default(10),
    products: z.number().int().min(0).max(5_000_000).default(1000),
    users: z.number().int().min(1).max(1_000_000).default(50),
    orders: z.number().int().min(0).max(100_000).default(100),
    seed: z.number().int().default(1),
    at: z.coerce.date().default(() => new Date(SEED_BASE_TIME)),
    /** A password every seeded shop and buyer signs in with; argon2 salts it, so its hash is the one column that differs between runs. */
    password: z.string().min(8).optional(),
  })
  .refine((v) => v.orders === 0 || v.products > 0, { message: 'orders need products to buy', path: ['products'] });
export type SeedMarketplaceInput = z.input<typeof seedMarketplaceInput>;

/** Card payments for the seeded checkouts: an in-process network standing where Stripe stands, and the buyer's "pay" button. */
export interface SeedCardNetwork {
  provider: PaymentProvider;
  pay(clientSecret: string | null): string;
}

export type MarketplaceSeedStep = 'shops' | 'products' | 'events' | 'buyers' | 'coupons' | 'orders' | 'settlement' | 'withdrawals';
export type MarketplaceSeedProgress = (step: MarketplaceSeedStep, done: number, total: number) => void;

export interface SeedMarketplaceResult {
  shops: number;
  products: number;
  events: number;
  coupons: number;
  buyers: number;
  orders: number;
  ordersByStatus: Record<string, number>;
  reviews: number;
  refunds: number;
  settledOrders: number;
  withdrawalsByStatus: Record<string, number>;
  firstShopEmail: string | null;
  firstBuyerEmail: string | null;
  ms: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Coupons go to the first shops only: each is a core call, and a hundred is plenty to redeem. */
const COUPON_SHOPS = 100;
/** Shops considered for a withdrawal, for the same reason. */
const WITHDRAWING_SHOPS = 1000;
/** Listings per shop that buyers choose from; the rest of a large catalog is browsed, not bought. */
const BASKET_CHOICES = 50;
const ADDRESS = { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '12345' };
const reviewComments = ['Exactly as described.', 'Fast delivery, well packed.', 'Good value for the price.', 'Works fine, would buy again.', 'Not bad, a bit smaller than expected.'];

/** Every status a use case can put an order in; the first orders take one each, so all appear. */
const targetStatuses: readonly OrderStatus[] = [...fulfilmentPath, 'Processing refund', 'Refund Success'];

function drawTarget(rnd: Rng, n: number): OrderStatus {
  if (n < targetStatuses.length) return targetStatuses[n]!;
  const r = rnd.next();
  if (r < 0.5) return 'Delivered';
  if (r < 0.58) return 'Refund Success';
  if (r < 0.64) return 'Processing refund';
  return fulfilmentPath[rnd.int(0, fulfilmentPath.length - 2)]!;
}

/** Refuses to seed over a marketplace that has accounts or orders: seeded ids and emails assume an empty one. */
async function assertEmpty(ctx: Ctx): Promise<void> {
  const [held] = await queryRows<{ shops: number; buyers: number; orders: number }>(
    ctx.db,
    sql`SELECT (SELECT count(*) FROM shops)::int AS shops, (SELECT count(*) FROM users WHERE role <> 'Admin')::int AS buyers,
               (SELECT count(*) FROM orders)::int AS orders`,
  );
  const { shops, buyers, orders } = held!;
  if (shops + buyers + orders > 0)
    throw new AppError(
      'CONFLICT',
      `The database already holds ${shops} shop(s), ${buyers} buyer(s) and ${orders} order(s): seed fills an empty marketplace only (use a fresh database, or 'mvshop catalog seed' to add listings)`,
    );
}

/**
 * Fills an empty database with a whole marketplace, the same for the same seed: shops with bank
 * accounts, their products and events, coupons, buyers, then orders walked to every status a use case
 * can reach, reviews, refunds, settlement and withdrawals approved, rejected and pending.
 *
 * Volume (shops, listings, buyers) goes in as multi-row inserts (the catalog seed's and the buyers'),
 * while every row that carries money is made by the use cases the API and the worker call (cart,
 * card or cash checkout, fulfilment, refund request and refund, settlement, withdrawal request and
 * decision), so the ledger, the order histories and the audit chain are what production would
 * write. Card checkouts are paid on `cards`, never at Stripe. Time comes from a clock that starts
 * 36 days before `at` and moves with the story; ids are drawn from the seed at that clock's time.
 * Each use case commits on its own: a failure part-way leaves what was done (seed fresh databases only).
 */
export async function seedMarketplace(
  ctx: Ctx,
  raw: SeedMarketplaceInput,
  cards: SeedCardNetwork,
  onProgress?: MarketplaceSeedProgress,
): Promise<SeedMarketplaceResult> {
  const input = parseInput(seedMarketplaceInput, raw);
  if (!isAdmin(ctx.actor)) throw forbidden('Only an operator or an admin seeds a marketplace');
  await assertEmpty(ctx);
  const started = performance.now();
  const base = input.at.getTime();
  let time = base - 36 * DAY;
  const clock: Clock = { now: () => new Date(time) };
  const c: Ctx = { ...ctx, clock, ports: { ...ctx.ports, payments: cards.provider } };
  const rnd = prng(input.seed);

  return withSeededIds(clock, prng(input.seed ^ 0x5eed1d5).next, async () => {
    const passwordHash = input.password ? await hashPassword(input.password) : '!seeded-account-without-password';
    const catalog = await seedCatalog(
      c,
      {
        shops: input.shops,
        products: input.products,
        events: Math.min(input.shops * 2, 10_000),
        seed: input.seed,
        withdrawMethods: true,
        ...(input.password && { password: input.password }),
      },
      onProgress,
    );
    const buyers = await seedBuyers(c, { count: input.users, now: clock.now(), passwordHash, batchSize: 5000 }, rnd, (done, total) =>
      onProgress?.('buyers', done, total),
    );
    const shopCtx = (id: string): Ctx => ({ ...c, actor: { kind: 'shop', id } });
    const buyerCtx = (id: string): Ctx => ({ ...c, actor: { kind: 'user', id, role: 'User' } });

    const couponShops = Math.min(input.shops, COUPON_SHOPS);
    const couponOf = new Map<string, string>();
    for (let i = 0; i < couponShops; i++) {
      const shopId = catalog.shopIds[i]!;
      const percent = rnd.pick([5, 10, 15, 20]);
      const coupon = await createCoupon(shopCtx(shopId), shopId, { name: `SHOP${i + 1}-SAVE${percent}`, value: percent });
      couponOf.set(shopId, coupon.name);
      onProgress?.('coupons', i + 1, couponShops);
    }

    // What each shop's buyers choose from, with the stock the catalog gave it, so no basket asks for more than is left.
    const choices = catalog.shopIds.map(() => [] as { id: string; stock: number }[]);
    for (let i = 0; i < catalog.productIds.length; i++) {
      const list = choices[i % input.shops]!;
      if (list.length < BASKET_CHOICES && catalog.productStock[i]! >= 2) list.push({ id: catalog.productIds[i]!, stock: catalog.productStock[i]! });
    }
    const basketFrom = (shop: number) => {
      const open = choices[shop]!.filter((p) => p.stock >= 2);
      if (open.length === 0) return [];
      const lines = rnd.next() < 0.3 && open.length > 1 ? 2 : 1;
      const first = rnd.int(0, open.length - 1);
      return Array.from({ length: lines }, (_, k) => ({ product: open[(first + k) % open.length]!, qty: rnd.int(1, 2) }));
    };

    const orderStart = base - 35 * DAY;
    const spacing = Math.floor((30 * DAY) / Math.max(input.orders, 1));
    let made = 0;
    let reviews = 0;
    for (let checkout = 0; made < input.orders; checkout++) {
      time = orderStart + checkout * spacing;
      const buyerIndex = rnd.int(0, input.users - 1);
      const buyerId = buyers.ids[buyerIndex]!;
      const buyer = buyerCtx(buyerId);
      const first = rnd.int(0, input.shops - 1);
      const shops = input.orders - made >= 2 && input.shops >= 2 && rnd.next() < 0.25 ? [first, (first + rnd.int(1, input.shops - 1)) % input.shops] : [first];
      const baskets = shops.map((shop) => ({ shop, lines: basketFrom(shop) })).filter((b) => b.lines.length > 0);
      if (baskets.length === 0) {
        if (choices.every((list) => list.every((p) => p.stock < 2))) break;
        continue;
      }
      for (const basket of baskets)
        for (const { product, qty } of basket.lines) {
          await addToCart(buyer, buyerId, { productId: product.id, qty });
          product.stock -= qty;
        }
      const soleShop = baskets.length === 1 ? catalog.shopIds[baskets[0]!.shop] : undefined;
      const couponCode = soleShop && rnd.next() < 0.2 ? couponOf.get(soleShop) : undefined;
      let placed: OrderDto[];
      if (rnd.next() < 0.7) {
        const payment = await startCardPayment(buyer, buyerId, { shippingAddress: ADDRESS, couponCode });
        const intentId = cards.pay(payment.client_secret);
        placed = await placeOrder(buyer, buyerId, { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId }, couponCode });
      } else placed = await placeOrder(buyer, buyerId, { shippingAddress: ADDRESS, paymentInfo: { type: 'Cash On Delivery' }, couponCode });

      for (const order of placed) {
        const target = drawTarget(rnd, made);
        const refund = target === 'Processing refund' || target === 'Refund Success';
        const seller = shopCtx(order.shopId);
        const walkTo = refund ? (rnd.next() < 0.6 ? 'Delivered' : 'Processing') : target;
        time = orderStart + checkout * spacing;
        for (const status of fulfilmentPath.slice(1, fulfilmentPath.indexOf(walkTo) + 1)) {
          time += rnd.int(2, 12) * HOUR;
          await updateOrderStatus(seller, order.shopId, order._id, { status });
        }
        if (walkTo === 'Delivered' && !refund && rnd.next() < 0.5) {
          time += rnd.int(1, 4) * DAY;
          await createReview(buyer, buyerId, { productId: order.cart[0]!.productId, orderId: order._id, rating: rnd.int(3, 5), comment: rnd.pick(reviewComments) });
          reviews += 1;
        }
        if (refund) {
          time += rnd.int(1, 3) * DAY;
          await requestRefund(buyer, buyerId, order._id, { reason: 'Seeded refund request: not as described' });
          if (target === 'Refund Success') {
            time += rnd.int(1, 2) * DAY;
            await refundOrder(seller, order._id, {});
          }
        }
        made += 1;
        onProgress?.('orders', made, input.orders);
      }
    }

    time = base;
    const settled = await settleAllDueOrders({ ...c, actor: { kind: 'system', name: 'seed' } }, {}, () => onProgress?.('settlement', 1, 1));

    // Shop by shop: half the available balance asked for, then approved, rejected or left waiting.
    // Shops with money to withdraw take turns: one is paid out, the next rejected, the next left
    // waiting for an operator, the next asks for nothing.
    const minimum = c.config.money.withdrawMinMinor;
    const considered = Math.min(input.shops, WITHDRAWING_SHOPS);
    let turn = 0;
    for (let i = 0; i < considered; i++) {
      onProgress?.('withdrawals', i + 1, considered);
      const shopId = catalog.shopIds[i]!;
      const { availableMinor } = await shopBalances(c, shopId);
      const amountMinor = Math.floor(availableMinor / 2);
      if (amountMinor < minimum) continue;
      const plan = turn++ % 4;
      if (plan === 3) continue;
      time = base + (i + 1) * 10 * 60_000;
      const requested = await requestWithdrawal(shopCtx(shopId), { amount: amountMinor / 100 });
      time += 3 * HOUR;
      if (plan === 0) await approveWithdrawal(c, { id: requested._id, reason: 'seeded payout' });
      if (plan === 1) await rejectWithdrawal(c, { id: requested._id, reason: 'Seeded rejection: the bank account could not be confirmed' });
    }
    time = base + DAY;

    const countBy = async (query: ReturnType<typeof sql>) =>
      Object.fromEntries((await queryRows<{ key: string; n: number }>(c.db, query)).map((r) => [r.key, r.n]));
    const ordersByStatus = await countBy(sql`SELECT status AS key, count(*)::int AS n FROM orders GROUP BY status ORDER BY status`);
    const withdrawalsByStatus = await countBy(sql`SELECT status AS key, count(*)::int AS n FROM withdrawals GROUP BY status ORDER BY status`);
    const [refunds] = await queryRows<{ n: number }>(c.db, sql`SELECT count(*)::int AS n FROM orders WHERE status = 'Refund Success'`);
    return {
      shops: catalog.shopIds.length,
      products: catalog.productIds.length,
      events: catalog.eventIds.length,
      coupons: couponOf.size,
      buyers: buyers.ids.length,
      orders: made,
      ordersByStatus,
      reviews,
      refunds: refunds!.n,
      settledOrders: settled.count,
      withdrawalsByStatus,
      firstShopEmail: catalog.emails[0] ?? null,
      firstBuyerEmail: buyers.emails[0] ?? null,
      ms: Math.round(performance.now() - started),
    };
  });
}
