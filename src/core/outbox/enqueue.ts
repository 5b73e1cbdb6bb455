import type { Ctx } from '../context.ts';
import { outbox } from '../db/schema/index.ts';
import { newId } from '../shared/ids.ts';

export interface OutboxItem {
  topic: string;
  payload: Record<string, unknown>;
  delayMs?: number;
}

/** The outbox rows for side effects decided at `now`, for a caller that writes them with other rows in one statement. */
export function outboxRows(now: Date, items: OutboxItem[]): (typeof outbox.$inferInsert & { id: string })[] {
  return items.map((item) => ({
    id: newId('outbox'),
    topic: item.topic,
    payload: item.payload,
    availableAt: new Date(now.getTime() + (item.delayMs ?? 0)),
    createdAt: now,
  }));
}

/** Writes side effects in the caller's transaction, in one statement; they happen only if that transaction commits. */
export async function enqueueOutboxItems(ctx: Ctx, items: OutboxItem[]): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = outboxRows(ctx.clock.now(), items);
  await ctx.db.insert(outbox).values(rows);
  return rows.map((r) => r.id);
}

/** Writes one side effect in the caller's transaction; it happens only if that transaction commits. */
export async function enqueueOutbox(
  ctx: Ctx,
  topic: string,
  payload: Record<string, unknown>,
  opts: { delayMs?: number } = {},
): Promise<string> {
  const [id] = await enqueueOutboxItems(ctx, [{ topic, payload, delayMs: opts.delayMs }]);
  return id!;
}
