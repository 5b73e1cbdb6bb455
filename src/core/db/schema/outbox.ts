import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tsz } from './columns.ts';

export const outboxStatuses = ['pending', 'done', 'dead'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

/** Side effects written in the same transaction as the change that causes them. */
export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: tsz('available_at').notNull().defaultNow(),
    claimedUntil: tsz('claimed_until'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    processedAt: tsz('processed_at'),
  },
  (t) => [index('outbox_pending_idx').on(t.availableAt).where(sql`${t.status} = 'pending'`)],
);
