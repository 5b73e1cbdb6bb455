import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { outbox } from '../db/schema/index.ts';
import { queryRows } from '../db/tx.ts';
import { isRetryable } from '../shared/errors.ts';
import { errorMessageOf } from '../shared/log.ts';

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface OutboxHandler {
  run(ctx: Ctx, row: OutboxRow): Promise<void>;
  /** What of the payload to keep once done (drop secrets such as emailed tokens). Default: keep all. */
  redact?(payload: Record<string, unknown>): Record<string, unknown>;
}

export type OutboxHandlers = Record<string, OutboxHandler>;

const CLAIM_SECONDS = 120;

/** Exponential backoff with a ceiling: 2s, 4s, 8s … 10 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(2 ** attempt * 1000, 10 * 60 * 1000);
}

/**
 * Ids of up to `limit` pending rows due at `at` that no live lease holds, oldest first, locked with
 * SKIP LOCKED: what the in-process poller and the relay both take, so they never take the same row.
 * Callers update `WHERE id = ANY(ARRAY(…))`: the ids are computed first and the rows then found by
 * primary key. Joined as a subquery (`IN (…)`, `FROM (…)`), the planner hashed the ids against a
 * sequential scan of the whole outbox, done rows included, on every claim.
 */
export const duePendingIds = (at: string, limit: number): SQL => sql`
      SELECT id FROM outbox
      WHERE status = 'pending' AND available_at <= ${at}::timestamptz
        AND (claimed_until IS NULL OR claimed_until < ${at}::timestamptz)
      ORDER BY available_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED`;

/**
 * Claims up to `limit` due rows. The claim is a lease: a process that dies mid-send releases the
 * row when the lease runs out, and SKIP LOCKED keeps concurrent dispatchers off each other's rows.
 * "Due" and the lease are measured with `ctx.clock`, the clock that wrote `available_at` (enqueue
 * delays and retry backoff), so one clock decides when a row runs, never a mix with the database's.
 */
export async function claimOutbox(ctx: Ctx, limit: number): Promise<OutboxRow[]> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + CLAIM_SECONDS * 1000).toISOString();
  const rows = await queryRows<OutboxRow>(ctx.db, sql`
    UPDATE outbox SET claimed_until = ${leaseUntil}::timestamptz, attempts = attempts + 1
    WHERE id = ANY(ARRAY(${duePendingIds(at, limit)}))
    RETURNING id, topic, payload, attempts`);
  return rows;
}

/**
 * Runs one claimed row's handler and records the outcome. Returns whether it succeeded. A failure
 * that cannot succeed later (see `isRetryable`) makes the row dead at once.
 */
export async function processOutboxRow(ctx: Ctx, handlers: OutboxHandlers, row: OutboxRow): Promise<boolean> {
  const handler = handlers[row.topic];
  try {
    if (!handler) throw new Error(`no handler for outbox topic ${row.topic}`);
    await handler.run(ctx, row);
    await ctx.db
      .update(outbox)
      .set({
        status: 'done',
        processedAt: ctx.clock.now(),
        claimedUntil: null,
        lastError: null,
        payload: handler.redact ? handler.redact(row.payload) : row.payload,
      })
      .where(eq(outbox.id, row.id));
    return true;
  } catch (err) {
    const message = errorMessageOf(err);
    const dead = row.attempts >= ctx.config.outbox.maxAttempts || !isRetryable(err);
    ctx.log.warn({ outboxId: row.id, topic: row.topic, attempts: row.attempts, err, dead }, 'outbox delivery failed');
    await ctx.db
      .update(outbox)
      .set({
        status: dead ? 'dead' : 'pending',
        claimedUntil: null,
        lastError: message.slice(0, 2000),
        availableAt: new Date(ctx.clock.now().getTime() + backoffMs(row.attempts)),
      })
      // Only while the claim is still ours: after a lost lease another dispatcher owns the row.
      .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending'), eq(outbox.attempts, row.attempts)));
    return false;
  }
}

/** Claims and runs due rows until none are left (or `maxRounds` batches). Returns how many were processed. */
export async function drainOutbox(ctx: Ctx, handlers: OutboxHandlers, opts: { batch?: number; maxRounds?: number } = {}): Promise<number> {
  let processed = 0;
  for (let round = 0; round < (opts.maxRounds ?? 100); round++) {
    const rows = await claimOutbox(ctx, opts.batch ?? 20);
    if (rows.length === 0) break;
    for (const row of rows) {
      await processOutboxRow(ctx, handlers, row);
      processed++;
    }
  }
  return processed;
}
