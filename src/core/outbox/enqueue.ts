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

/** Writes one side effect in the caller's transaction; it happens only if that transaction commits. */
export async function enqueueOutbox(
  ctx: Ctx,
  topic: string,
  payload: Record<string, unknown>,
  opts: { delayMs?: number } = {},
): Promise<string> {
  const [row] = outboxRows(ctx.clock.now(), [{ topic, payload, delayMs: opts.delayMs }]);
  await ctx.db.insert(outbox).values(row!);
  return row!.id;
}
