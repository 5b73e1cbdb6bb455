import type { Ctx } from '../context.ts';
import { outbox } from '../db/schema/index.ts';
import { newId } from '../shared/ids.ts';

/** Writes a side effect in the caller's transaction; it happens only if that transaction commits. */
export async function enqueueOutbox(
  ctx: Ctx,
  topic: string,
  payload: Record<string, unknown>,
  opts: { delayMs?: number } = {},
): Promise<string> {
  const id = newId('outbox');
  const now = ctx.clock.now();
  await ctx.db.insert(outbox).values({
    id,
    topic,
    payload,
    availableAt: new Date(now.getTime() + (opts.delayMs ?? 0)),
    createdAt: now,
  });
  return id;
}
