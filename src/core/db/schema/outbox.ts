import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tsz } from './columns.ts';

/** `relayed`: handed to a BullMQ queue, whose job (id = the row's id) will make it done or dead. */
export const outboxStatuses = ['pending', 'relayed', 'done', 'dead'] as const;
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
  (t) => [
    index('outbox_pending_idx').on(t.availableAt).where(sql`${t.status} = 'pending'`),
    // The relay offers again a relayed row whose job has not finished it once its lease ran out.
    index('outbox_relayed_idx').on(t.claimedUntil).where(sql`${t.status} = 'relayed'`),
    // Maintenance deletes delivered rows past the retention period, oldest first.
    index('outbox_done_idx').on(t.processedAt).where(sql`${t.status} = 'done'`),
  ],
);
