import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

/**
 * Who did what to which target, and why: every admin and operator action. Rows form a hash chain
 * (`seq` 1, 2, 3 … each holding the hash of the one before), so an edited or deleted row shows.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    reason: text('reason'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    /** Position in the chain, without gaps. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** `hash` of row `seq - 1` (64 zeros for the first row). */
    prevHash: text('prev_hash').notNull(),
    /** audit_row_hash() over this row's content and `prev_hash` (SQL function, see the migration). */
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_target_idx').on(t.target),
    index('audit_log_created_idx').on(t.createdAt),
    index('audit_log_actor_idx').on(t.actor, t.seq),
    uniqueIndex('audit_log_seq_uq').on(t.seq),
  ],
);

/**
 * The chain's end, one row: the last `seq` and its hash. Writers lock it to append, so rows chain in
 * commit order; verification compares it with the last row, so deleting rows at the end shows too.
 */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    id: smallint('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_chain_head_single_row', sql`${t.id} = 1`)],
);
