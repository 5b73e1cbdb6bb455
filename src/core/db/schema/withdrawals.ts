import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns.ts';
import { shops, type WithdrawMethod } from './identity.ts';

export const withdrawalStatuses = ['Processing', 'succeed', 'rejected'] as const;
export type WithdrawalStatus = (typeof withdrawalStatuses)[number];

/**
 * A seller's request to be paid (owned by src/core/withdrawals). While `Processing` its amount sits
 * in the shop's held balance; `method` is the bank account as it was when the seller asked.
 */
export const withdrawals = pgTable(
  'withdrawals',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<WithdrawalStatus>().notNull().default('Processing'),
    method: jsonb('method').$type<WithdrawMethod>().notNull(),
    /** Why an admin rejected it. */
    reason: text('reason'),
    /** Who approved or rejected it (actor label) and when. */
    decidedBy: text('decided_by'),
    decidedAt: tsz('decided_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('withdrawals_shop_idx').on(t.shopId, t.createdAt),
    index('withdrawals_status_idx').on(t.status, t.createdAt),
    check('withdrawals_amount_ck', sql`${t.amountMinor} > 0`),
    check('withdrawals_status_ck', sql`${t.status} IN ('Processing', 'succeed', 'rejected')`),
  ],
);
