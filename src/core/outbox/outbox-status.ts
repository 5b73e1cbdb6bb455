import { count, min, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { outbox } from '../db/schema/index.ts';

export interface OutboxStatusDto {
  pending: number;
  /** Pending rows whose time has come (not waiting out a retry backoff). */
  due: number;
  /** Handed to a BullMQ queue, whose job has not finished yet. */
  relayed: number;
  done: number;
  dead: number;
  oldestPendingAt: string | null;
  oldestPendingAgeSeconds: number | null;
}

/** How the side-effect backlog stands: counts per state and how long the oldest row not yet handed on has waited. */
export async function outboxStatus(ctx: Pick<Ctx, 'db' | 'clock'>): Promise<OutboxStatusDto> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .select({
      status: outbox.status,
      n: count(),
      due: sql<number>`count(*) filter (where ${outbox.availableAt} <= ${now.toISOString()}::timestamptz)`.mapWith(Number),
      oldest: min(outbox.createdAt),
    })
    .from(outbox)
    .groupBy(outbox.status);
  const by = (s: string) => rows.find((r) => r.status === s);
  const pending = by('pending');
  const oldest = pending?.oldest ? new Date(pending.oldest) : null;
  return {
    pending: pending?.n ?? 0,
    due: pending?.due ?? 0,
    relayed: by('relayed')?.n ?? 0,
    done: by('done')?.n ?? 0,
    dead: by('dead')?.n ?? 0,
    oldestPendingAt: oldest ? oldest.toISOString() : null,
    oldestPendingAgeSeconds: oldest ? Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 1000)) : null,
  };
}
