import type { Core, Ctx } from '../../core/index.ts';
import { verifyAudit } from '../../core/audit/index.ts';
import { addToCart } from '../../core/cart/index.ts';
import { approveListing, createProduct } from '../../core/catalog/index.ts';
import { placeOrder, refundOrder, settleAllDueOrders, startCardPayment, verifyBooks } from '../../core/flows/index.ts';
import { imageFromDataUrl } from '../../core/media/index.ts';
import { fulfilmentPath, requestRefund, updateOrderStatus, type OrderDto } from '../../core/orders/index.ts';
import { activateShop, getShopBalance, registerShop, setWithdrawMethod } from '../../core/shops/index.ts';
import { activateUser, registerUser } from '../../core/users/index.ts';
import { approveWithdrawal, requestWithdrawal } from '../../core/withdrawals/index.ts';
import { minorToMajor } from '../../core/shared/money.ts';
import type { createDemoCardNetwork } from './demo-card-network.ts';

/** The clock the demo's core reads: real time plus however far the day has been moved on. */
export interface DemoClock {
  now(): Date;
  advanceDays(days: number): void;
}

export function createDemoClock(): DemoClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advanceDays(days) {
      offsetMs += days * 86_400_000;
    },
  };
}

/** The last email each address received, so the day can follow activation links as people would. */
export interface DemoInbox {
  activationToken(email: string): string;
  /** Emails sent so far. */
  count(): number;
}

/** A 1×1 PNG: every listing needs a picture. */
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const PASSWORD = 'demo-password-1';
const ADDRESS = { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '12345' };

const SHOPS = [
  { name: 'Green Leaf Tea', slug: 'tea', products: [['Sencha 100 g', 12.5], ['Oolong 100 g', 18], ['Clay teapot', 45]] },
  { name: 'Paper & Ink', slug: 'paper', products: [['A5 notebook', 9.9], ['Fountain pen', 34], ['Ink bottle', 11]] },
  { name: 'Bike Corner', slug: 'bike', products: [['Bike light set', 24], ['Bell', 7.5], ['Saddle bag', 29]] },
] as const;

const BUYERS = [
  { name: 'Ann Buyer', slug: 'ann', pay: 'Credit Card', cart: [['tea', 0, 2], ['paper', 1, 1]] },
  { name: 'Bob Buyer', slug: 'bob', pay: 'Cash On Delivery', cart: [['paper', 0, 3], ['bike', 0, 1]] },
  { name: 'Cleo Buyer', slug: 'cleo', pay: 'Credit Card', cart: [['tea', 2, 1], ['bike', 2, 1], ['bike', 1, 2]] },
] as const;

type ShopSlug = (typeof SHOPS)[number]['slug'];

export interface DemoDayReport {
  shops: { id: string; name: string; products: number; orders: number; sales: number; pending: number; available: number; paidOut: number; debt: number }[];
  orders: { id: string; buyer: string; shop: string; payment: string; total: number; platformFee: number; status: string }[];
  refund: { orderId: string; amount: number; status: string };
  settlement: { orders: number; amount: number; holdDays: number };
  withdrawal: { id: string; shop: string; amount: number; status: string };
  emails: number;
  ledger: Awaited<ReturnType<typeof verifyBooks>>;
  audit: Awaited<ReturnType<typeof verifyAudit>>;
}

/**
 * One marketplace day, then a week and a day later, played through the same core use cases the API
 * and the worker call: sign-ups confirmed from their emails, listings approved, multi-shop carts paid
 * by card or cash, every order shipped and delivered, one refunded, settlement after the hold
 * period, a withdrawal requested and approved, every email delivered by the outbox handlers.
 */
export async function playMarketplaceDay(
  core: Core,
  deps: { clock: DemoClock; cards: ReturnType<typeof createDemoCardNetwork>; inbox: DemoInbox; operator: Ctx; step: (text: string) => void },
): Promise<DemoDayReport> {
  const { clock, cards, inbox, operator, step } = deps;
  const visitor = core.ctx();
  const worker = core.ctx({ kind: 'system', name: 'demo-worker' });
  const deliverMail = () => core.outbox.drain();

  step('Shops sign up, confirm their email and list products');
  const shops = new Map<ShopSlug, { id: string; name: string; ctx: Ctx; products: string[] }>();
  const image = await imageFromDataUrl(PIXEL, core.config.media.maxUploadBytes, 'images');
  for (const s of SHOPS) {
    const email = `${s.slug}@shops.demo`;
    await registerShop(visitor, { name: s.name, email, password: PASSWORD, phoneNumber: '+1 555 0100', address: `1 ${s.name} Street, Springfield`, zipCode: '12345' });
  }
  await deliverMail();
  for (const s of SHOPS) {
    const { seller } = await activateShop(visitor, { activation_token: inbox.activationToken(`${s.slug}@shops.demo`) });
    const ctx = core.ctx({ kind: 'shop', id: seller._id });
    await setWithdrawMethod(ctx, seller._id, {
      withdrawMethod: { bankName: 'Demo Bank', bankCountry: 'US', bankSwiftCode: 'DEMOUS33', bankAccountNumber: `US00${seller._id.slice(-8)}`, bankHolderName: s.name, bankAddress: '1 Bank Street' },
    });
    const products: string[] = [];
    for (const [name, price] of s.products) {
      const listed = await createProduct(ctx, { name, description: `${name}, sold by ${s.name}`, category: 'Demo', tags: ['demo'], originalPrice: price, stock: 20 }, [image]);
      if (listed.status === 'pending') await approveListing(operator, { id: listed._id, reason: 'demo listing' });
      products.push(listed._id);
    }
    shops.set(s.slug, { id: seller._id, name: s.name, ctx, products });
  }
  const shopOf = (slug: ShopSlug) => shops.get(slug)!;

  step('Buyers sign up and check out multi-shop carts (card and cash on delivery)');
  for (const b of BUYERS) await registerUser(visitor, { name: b.name, email: `${b.slug}@buyers.demo`, password: PASSWORD });
  await deliverMail();
  const orders: { order: OrderDto; buyer: string; buyerCtx: Ctx; buyerId: string }[] = [];
  for (const b of BUYERS) {
    const { user } = await activateUser(visitor, { activation_token: inbox.activationToken(`${b.slug}@buyers.demo`) });
    const ctx = core.ctx({ kind: 'user', id: user._id, role: 'User' });
    for (const [slug, index, qty] of b.cart) await addToCart(ctx, user._id, { productId: shopOf(slug).products[index], qty });
    let placed: OrderDto[];
    if (b.pay === 'Credit Card') {
      const started = await startCardPayment(ctx, user._id, { shippingAddress: ADDRESS });
      const intentId = cards.pay(started.client_secret);
      placed = await placeOrder(ctx, user._id, { shippingAddress: ADDRESS, paymentInfo: { type: 'Credit Card', id: intentId } });
    } else placed = await placeOrder(ctx, user._id, { shippingAddress: ADDRESS, paymentInfo: { type: 'Cash On Delivery' } });
    for (const order of placed) orders.push({ order, buyer: b.name, buyerCtx: ctx, buyerId: user._id });
  }
  await deliverMail();

  step('Sellers ship and deliver every order');
  const shopById = new Map([...shops.values()].map((s) => [s.id, s]));
  for (const o of orders) {
    const seller = shopById.get(o.order.shopId)!;
    for (const status of fulfilmentPath.slice(fulfilmentPath.indexOf(o.order.status) + 1))
      o.order = await updateOrderStatus(seller.ctx, seller.id, o.order._id, { status });
  }
  await deliverMail();

  step('A buyer asks for a refund and the seller refunds the card order');
  const refunded = orders.find((o) => o.order.paymentInfo.type === 'Credit Card' && o.order.shopId === shopOf('paper').id)!;
  await requestRefund(refunded.buyerCtx, refunded.buyerId, refunded.order._id, { reason: 'Arrived with a bent nib' });
  refunded.order = await refundOrder(shopById.get(refunded.order.shopId)!.ctx, refunded.order._id, {});
  await deliverMail();

  const holdDays = core.config.money.settlementHoldDays;
  step(`${holdDays + 1} days later: settlement moves delivered card orders' money to available`);
  clock.advanceDays(holdDays + 1);
  const settled = await settleAllDueOrders(worker);

  step('The shop with the most available money withdraws it and an operator approves');
  const balances = await Promise.all([...shops.values()].map(async (s) => ({ shop: s, balance: (await getShopBalance(s.ctx, s.id)).balance })));
  const richest = balances.reduce((a, b) => (b.balance.available > a.balance.available ? b : a));
  const requested = await requestWithdrawal(richest.shop.ctx, { amount: richest.balance.available });
  const withdrawal = await approveWithdrawal(operator, { id: requested._id });
  await deliverMail();

  step('Checking the books and the audit chain');
  const [ledger, audit] = await Promise.all([verifyBooks(operator), verifyAudit(operator)]);
  const finalOrders = orders.map((o) => o.order);
  const shopRows = await Promise.all(
    [...shops.values()].map(async (s) => {
      const { balance } = await getShopBalance(s.ctx, s.id);
      const own = finalOrders.filter((o) => o.shopId === s.id);
      const sales = own.filter((o) => o.status === 'Delivered').reduce((sum, o) => sum + o.totalPrice, 0);
      return { id: s.id, name: s.name, products: s.products.length, orders: own.length, sales: Math.round(sales * 100) / 100, pending: balance.pending, available: balance.available, paidOut: balance.paidOut, debt: balance.debt };
    }),
  );
  return {
    shops: shopRows,
    orders: orders.map((o) => ({ id: o.order._id, buyer: o.buyer, shop: o.order.shop.name, payment: o.order.paymentInfo.type, total: o.order.totalPrice, platformFee: o.order.platformFee, status: o.order.status })),
    refund: { orderId: refunded.order._id, amount: refunded.order.totalPrice, status: refunded.order.status },
    settlement: { orders: settled.count, amount: minorToMajor(settled.amountMinor), holdDays },
    withdrawal: { id: withdrawal._id, shop: withdrawal.seller.name, amount: withdrawal.amount, status: withdrawal.status },
    emails: inbox.count(),
    ledger,
    audit,
  };
}
