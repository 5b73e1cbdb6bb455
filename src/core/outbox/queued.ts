import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { runNamed } from '../db/prepared.ts';
import type { OutboxStatus } from '../db/schema/index.ts';
import { duePendingIds, type OutboxRow } from './dispatcher.ts';

/**
 * How long a relayed row may wait for its job to finish it before the relay offers it again. Offering
 * it again adds nothing while the job still exists (the job id is the row id), so it is cheap; it
 * matters when a relay died between claiming rows and adding their jobs, or Redis lost a job.
 */
const RELAY_LEASE_MS = 60_000;

export interface RelayClaim {
  /** The rows whole, as claimed: a job this process starts can take its row from here instead of reading it. */
  rows: OutboxRow[];
  /** The lease this claim set: releasing matches it, so a row a job has started since is left alone. */
  leaseUntil: string;
}

/**
 * Claims rows for the relay and marks them relayed: due pending rows nobody holds, oldest first, and
 * relayed rows whose lease ran out. SKIP LOCKED keeps concurrent relays (and the in-process poller)
 * off each other's rows.
 */
export async function claimForRelay(ctx: Pick<Ctx, 'db' | 'clock'>, limit: number): Promise<RelayClaim> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + RELAY_LEASE_MS).toISOString();
  const rows = await runNamed<OutboxRow>(ctx.db, sql`
    WITH due AS (${duePendingIds(at, limit)}), lapsed AS (
      SELECT id FROM outbox
      WHERE status = 'relayed' AND claimed_until < ${at}::timestamptz
      ORDER BY claimed_until
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox o SET status = 'relayed', claimed_until = ${leaseUntil}::timestamptz
    WHERE o.id = ANY(ARRAY(SELECT id FROM due UNION ALL SELECT id FROM lapsed))
    RETURNING o.id, o.topic, o.payload, o.attempts`);
  return { rows, leaseUntil };
}

/** Gives back rows the relay could not hand to their queue: pending again, as if never claimed. */
export async function releaseRelayClaim(ctx: Pick<Ctx, 'db'>, claim: RelayClaim): Promise<void> {
  if (claim.rows.length === 0) return;
  await ctx.db.execute(sql`
    UPDATE outbox SET status = 'pending', claimed_until = NULL
    WHERE id = ANY(${sql.param(claim.rows.map((r) => r.id))}::text[]) AND status = 'relayed'
      AND claimed_until = ${claim.leaseUntil}::timestamptz`);
}

export interface QueuedRow extends OutboxRow {
  status: OutboxStatus;
  claimedUntil: Date | null;
}

/** Reads the rows whose jobs are starting (a plain read: the job, not the row, holds the lock). */
export async function readQueuedRows(ctx: Pick<Ctx, 'db'>, ids: string[]): Promise<QueuedRow[]> {
  const rows = await runNamed<Omit<QueuedRow, 'claimedUntil'> & { claimedUntil: string | null }>(ctx.db, sql`
    SELECT id, topic, payload, attempts, status, claimed_until AS "claimedUntil"
    FROM outbox WHERE id = ANY(${sql.param(ids)}::text[])`);
  return rows.map((r) => ({ ...r, claimedUntil: r.claimedUntil ? new Date(r.claimedUntil) : null }));
}

/**
 * Marks rows done after `attempts` tries, each keeping only the payload its handler lets it keep.
 * Planned for each call, not prepared: a plan cached while the outbox was small hashed the rows
 * against a sequential scan of the whole table, and kept doing so as it grew (most of PostgreSQL's
 * CPU in `npm run bench:jobs`); planned with the table as it is, the rows are found by primary key.
 */
export async function finishQueuedRows(
  ctx: Pick<Ctx, 'db' | 'clock'>,
  rows: { id: string; attempts: number; payload: Record<string, unknown> }[],
): Promise<void> {
  if (rows.length === 0) return;
  await ctx.db.execute(sql`
    UPDATE outbox o SET status = 'done', processed_at = ${ctx.clock.now().toISOString()}::timestamptz,
      attempts = v.attempts, claimed_until = NULL, last_error = NULL, payload = v.payload
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id text, attempts int, payload jsonb)
    WHERE o.id = v.id`);
}

/** Records failed attempt number `attempts` of a queued row; `dead` when its job will not be tried again. */
export async function failQueuedRow(ctx: Pick<Ctx, 'db'>, id: string, failure: { message: string; attempts?: number; dead: boolean }): Promise<void> {
  await ctx.db.execute(sql`
    UPDATE outbox SET last_error = ${failure.message.slice(0, 2000)},
      status = CASE WHEN ${failure.dead}::boolean THEN 'dead' ELSE 'relayed' END,
      attempts = COALESCE(${failure.attempts ?? null}::int, attempts)
    WHERE id = ${id} AND status <> 'done'`);
}
