import type { Ctx } from '../context.ts';
import { failQueuedRow, finishQueuedRows, readQueuedRows } from '../outbox/index.ts';
import { createBatcher } from '../shared/batcher.ts';
import { AppError, isRetryable } from '../shared/errors.ts';
import { errorMessageOf } from '../shared/log.ts';
import type { HeldRows } from './held-rows.ts';
import { outboxTopics } from './queues.ts';

export type OutboxJobOutcome = 'done' | 'skipped';

export interface OutboxJobRunner {
  /**
   * Delivers outbox row `id` for its queue job: reads the row, runs its topic's handler, marks it
   * done. 'skipped' when the row is already done (the job runs again after a crash that came between
   * the row and BullMQ) or is being delivered by an in-process poller. On failure the row records the
   * error, and becomes dead when this was the last attempt or the error cannot succeed later; the
   * error is rethrown for the queue's retry. `firstStart`: no earlier start of this job exists, so a
   * row the relay holds for it can be used unread.
   */
  run(ctx: Ctx, id: string, opts: { lastAttempt: boolean; firstStart: boolean }): Promise<OutboxJobOutcome>;
}

/**
 * Jobs finish one by one when each waits on a mail server: a few milliseconds' wait turns one UPDATE
 * per job into one per twenty (`npm run bench:jobs`, emails). The wait holds the job, not its
 * effect: a crash in it sends that email again, as a crash after any send does.
 */
const FINISH_GATHER = { gatherMs: 5, gatherUntil: 20 };

/**
 * One runner per worker process. Reading and finishing rows go through batchers, so many jobs running
 * at once share one statement each way instead of two per job.
 */
export function createOutboxJobRunner(base: Pick<Ctx, 'db' | 'clock'>, held?: HeldRows): OutboxJobRunner {
  const read = createBatcher(async (ids: string[]) => {
    const rows = new Map((await readQueuedRows(base, ids)).map((r) => [r.id, r]));
    return ids.map((id) => rows.get(id));
  });
  const finish = createBatcher(
    async (rows: { id: string; attempts: number; payload: Record<string, unknown> }[]) => {
      await finishQueuedRows(base, rows);
      return rows.map(() => undefined);
    },
    FINISH_GATHER,
  );

  return {
    async run(ctx, id, { lastAttempt, firstStart }) {
      const claimed = held?.take(id);
      const row = firstStart && claimed ? { ...claimed, status: 'relayed' as const, claimedUntil: null } : await read(id);
      if (!row || row.status === 'done') return 'skipped';
      if (row.status === 'pending' && row.claimedUntil && row.claimedUntil > base.clock.now()) return 'skipped';
      const attempts = row.attempts + 1;
      const topic = Object.hasOwn(outboxTopics, row.topic) ? outboxTopics[row.topic] : undefined;
      try {
        if (!topic) throw new AppError('INVALID_STATE', `no handler for outbox topic ${row.topic}`);
        await topic.handler.run(ctx, row);
      } catch (err) {
        await failQueuedRow(base, row.id, { message: errorMessageOf(err), attempts, dead: lastAttempt || !isRetryable(err) });
        throw err;
      }
      await finish({ id: row.id, attempts, payload: topic.handler.redact ? topic.handler.redact(row.payload) : row.payload });
      return 'done';
    },
  };
}
