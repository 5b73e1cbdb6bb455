import { sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt, type Image } from './columns.ts';
import { shops, users } from './identity.ts';
import { products } from './catalog.ts';

const money = (name: string) => bigint(name, { mode: 'number' });

/** A buyer's cart: references and quantities only; prices are always read fresh. */
export const cartItems = pgTable(
  'cart_items',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    qty: integer('qty').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] }), check('cart_items_qty_ck', sql`${t.qty} > 0`)],
);

/** Shop-owned percentage coupons. */
export const coupons = pgTable(
  'coupons',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    name: text('name').notNull(),
    percent: integer('percent').notNull(),
    minAmountMinor: money('min_amount_minor'),
    maxAmountMinor: money('max_amount_minor'),
    productId: text('product_id').references(() => products.id),
    expiresAt: tsz('expires_at'),
    usageLimit: integer('usage_limit'),
    usedCount: integer('used_count').notNull().default(0),
    deletedAt: tsz('deleted_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('coupons_name_live_uq').on(sql`lower(${t.name})`).where(sql`${t.deletedAt} IS NULL`),
    index('coupons_shop_idx').on(t.shopId),
    check('coupons_percent_ck', sql`${t.percent} BETWEEN 1 AND 100`),
    check('coupons_usage_ck', sql`${t.usageLimit} IS NULL OR ${t.usedCount} <= ${t.usageLimit}`),
  ],
);

export const paymentTypes = ['Credit Card', 'Cash On Delivery'] as const;
export type PaymentType = (typeof paymentTypes)[number];
export const paymentStatuses = ['pending', 'succeeded', 'refunded', 'failed'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
export const checkoutStatuses = ['open', 'completed', 'failed', 'expired'] as const;
export type CheckoutStatus = (typeof checkoutStatuses)[number];

export const shippingAddressDto = z.object({
  address1: z.string(),
  address2: z.string().nullish(),
  city: z.string(),
  state: z.string().nullish(),
  country: z.string(),
  zipCode: z.string().nullish(),
  phoneNumber: z.string().nullish(),
});
export type ShippingAddress = z.infer<typeof shippingAddressDto>;

/** The server-priced snapshot a payment was created for. */
export interface CheckoutSnapshot {
  shops: {
    shopId: string;
    feeBps: number;
    couponId: string | null;
    subtotalMinor: number;
    discountMinor: number;
    shippingMinor: number;
    totalMinor: number;
    lines: { productId: string; name: string; image: Image | null; unitPriceMinor: number; qty: number; discountMinor: number }[];
  }[];
  totalMinor: number;
}

/** One buyer's attempt to pay for a cart; finalized at most once into orders. */
export const checkouts = pgTable(
  'checkouts',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    status: text('status').$type<CheckoutStatus>().notNull().default('open'),
    paymentType: text('payment_type').$type<PaymentType>().notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: text('currency').notNull(),
    couponCode: text('coupon_code'),
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>().notNull(),
    snapshot: jsonb('snapshot').$type<CheckoutSnapshot>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    paymentIntentId: text('payment_intent_id'),
    /** Handed to the buyer's browser to confirm the card payment; not a server credential. */
    clientSecret: text('client_secret'),
    failureReason: text('failure_reason'),
    completedAt: tsz('completed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('checkouts_payment_intent_uq').on(t.paymentIntentId),
    index('checkouts_user_status_idx').on(t.userId, t.status),
    index('checkouts_open_idx').on(t.createdAt).where(sql`${t.status} = 'open'`),
  ],
);

export const orderStatuses = [
  'Pending payment',
  'Processing',
  'Transferred to delivery partner',
  'Shipping',
  'Received',
  'On the way',
  'Delivered',
  'Processing refund',
  'Refund Success',
  'Cancelled',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface BuyerSnapshot {
  name: string;
  email: string;
  phoneNumber: string | null;
}

/** One shop's part of a checkout. */
export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    checkoutId: text('checkout_id')
      .notNull()
      .references(() => checkouts.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    status: text('status').$type<OrderStatus>().notNull(),
    paymentType: text('payment_type').$type<PaymentType>().notNull(),
    paymentStatus: text('payment_status').$type<PaymentStatus>().notNull(),
    paymentIntentId: text('payment_intent_id'),
    currency: text('currency').notNull(),
    subtotalMinor: money('subtotal_minor').notNull(),
    discountMinor: money('discount_minor').notNull(),
    shippingMinor: money('shipping_minor').notNull(),
    totalMinor: money('total_minor').notNull(),
    platformFeeMinor: money('platform_fee_minor').notNull(),
    feeBps: integer('fee_bps').notNull(),
    couponId: text('coupon_id').references(() => coupons.id),
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>().notNull(),
    buyer: jsonb('buyer').$type<BuyerSnapshot>().notNull(),
    refundReason: text('refund_reason'),
    paidAt: tsz('paid_at'),
    deliveredAt: tsz('delivered_at'),
    refundedAt: tsz('refunded_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_checkout_shop_uq').on(t.checkoutId, t.shopId),
    index('orders_user_idx').on(t.userId, t.createdAt),
    index('orders_shop_idx').on(t.shopId, t.createdAt),
    index('orders_status_idx').on(t.status, t.createdAt),
    check('orders_total_ck', sql`${t.totalMinor} = ${t.subtotalMinor} - ${t.discountMinor} + ${t.shippingMinor}`),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    productId: text('product_id')
      .notNull()
      .references(() => products.id),
    name: text('name').notNull(),
    image: jsonb('image').$type<Image>(),
    unitPriceMinor: money('unit_price_minor').notNull(),
    qty: integer('qty').notNull(),
    discountMinor: money('discount_minor').notNull().default(0),
    reviewedAt: tsz('reviewed_at'),
  },
  (t) => [index('order_lines_order_idx').on(t.orderId), index('order_lines_product_idx').on(t.productId), check('order_lines_qty_ck', sql`${t.qty} > 0`)],
);

/**
 * Delivered card orders whose net has not settled yet (owned by src/core/orders): a row is added
 * at delivery and removed by the settlement that moves the money, or by the order's refund. Only
 * waiting orders are here, so a settlement run reads and deletes a few small rows per order
 * instead of scanning or rewriting the orders table.
 */
export const settlementsDue = pgTable(
  'settlements_due',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id),
    shopId: text('shop_id').notNull(),
    /** Total less commission: what moves from pending to available. */
    netMinor: money('net_minor').notNull(),
    deliveredAt: tsz('delivered_at').notNull(),
  },
  (t) => [index('settlements_due_delivered_idx').on(t.deliveredAt, t.orderId)],
);

/** Every status change with who made it and when. */
export const orderEvents = pgTable(
  'order_events',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    fromStatus: text('from_status').$type<OrderStatus>(),
    toStatus: text('to_status').$type<OrderStatus>().notNull(),
    actor: text('actor').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.createdAt)],
);

/** Money taken for a checkout. One PaymentIntent pays for exactly one checkout. */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    checkoutId: text('checkout_id')
      .notNull()
      .references(() => checkouts.id),
    provider: text('provider').$type<'stripe' | 'manual'>().notNull(),
    paymentIntentId: text('payment_intent_id'),
    amountMinor: money('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<PaymentStatus>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('payments_checkout_uq').on(t.checkoutId), uniqueIndex('payments_intent_uq').on(t.paymentIntentId)],
);

export const refundStatuses = ['pending', 'succeeded', 'unknown', 'failed'] as const;
export type RefundStatus = (typeof refundStatuses)[number];

/** Money returned: one per refunded order, or one per checkout whose payment could not become orders. */
export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').references(() => orders.id),
    checkoutId: text('checkout_id')
      .notNull()
      .references(() => checkouts.id),
    provider: text('provider').$type<'stripe' | 'manual'>().notNull(),
    providerRefundId: text('provider_refund_id'),
    amountMinor: money('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<RefundStatus>().notNull(),
    /** Sends after a failure (0 first): a retry is a new refund at Stripe, with its own idempotency key. */
    attempt: integer('attempt').notNull().default(0),
    reason: text('reason'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('refunds_order_uq').on(t.orderId),
    uniqueIndex('refunds_checkout_whole_uq').on(t.checkoutId).where(sql`${t.orderId} IS NULL`),
    index('refunds_open_idx').on(t.status).where(sql`${t.status} IN ('pending', 'unknown')`),
  ],
);

/** Stripe webhook events by id: a redelivered event is recognised and ignored. */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    objectId: text('object_id'),
    receivedAt: tsz('received_at').notNull().defaultNow(),
    processedAt: tsz('processed_at'),
    error: text('error'),
  },
  (t) => [index('stripe_events_processed_idx').on(t.processedAt)],
);

/** A balanced set of ledger entries; (kind, ref) makes each posting happen once. */
export const ledgerJournals = pgTable(
  'ledger_journals',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    ref: text('ref').notNull(),
    memo: text('memo'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('ledger_journals_kind_ref_uq').on(t.kind, t.ref)],
);

/** Append-only. Account names: `shop:<id>:pending|available|held|paid_out`, `platform:fees|clearing`. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    journalId: text('journal_id')
      .notNull()
      .references(() => ledgerJournals.id),
    account: text('account').notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: text('currency').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ledger_entries_account_idx').on(t.account, t.createdAt), index('ledger_entries_journal_idx').on(t.journalId)],
);

/** Running balance per account, updated in the posting transaction; `ledger verify` recomputes it from entries. */
export const ledgerBalances = pgTable('ledger_balances', {
  account: text('account').primaryKey(),
  balanceMinor: money('balance_minor').notNull().default(0),
  updatedAt: updatedAt(),
});

/** One review per delivered order line. */
export const reviews = pgTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    orderLineId: text('order_line_id')
      .notNull()
      .references(() => orderLines.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    rating: integer('rating').notNull(),
    comment: text('comment').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('reviews_order_line_uq').on(t.orderLineId),
    index('reviews_product_idx').on(t.productId, t.createdAt),
    check('reviews_rating_ck', sql`${t.rating} BETWEEN 1 AND 5`),
  ],
);
