import type { Ctx } from '../context.ts';
import { failQueuedRow, finishQueuedRows, readQueuedRows } from '../outbox/index.ts';
import { createBatcher } from '../shared/batcher.ts';
import { AppError, isRetryable } from '../shared/errors.ts';
import { errorMessageOf } from '../shared/log.ts';
import { outboxTopics } from './queues.ts';

export type OutboxJobOutcome = 'done' | 'skipped';

export interface OutboxJobRunner {
  /**
   * Delivers outbox row `id` for its queue job: reads the row, runs its topic's handler, marks it
   * done. 'skipped' when the row is already done (the job runs again after a crash that came between
   * the row and BullMQ) or is being delivered by an in-process poller. On failure the row records the
   * error, and becomes dead when this was the last attempt or the error cannot succeed later; the
   * error is rethrown for the queue's retry.
   */
  run(ctx: Ctx, id: string, opts: { lastAttempt: boolean }): Promise<OutboxJobOutcome>;
}

/**
 * One runner per worker process. Reading and finishing rows go through batchers, so many jobs running
 * at once share one statement each way instead of two per job.
 */
export function createOutboxJobRunner(base: Pick<Ctx, 'db' | 'clock'>): OutboxJobRunner {
  const read = createBatcher(async (ids: string[]) => {
    const rows = new Map((await readQueuedRows(base, ids)).map((r) => [r.id, r]));
    return ids.map((id) => rows.get(id));
  });
  const finish = createBatcher(async (rows: { id: string; attempts: number; payload: Record<string, unknown> }[]) => {
    await finishQueuedRows(base, rows);
    return rows.map(() => undefined);
  });

  return {
    async run(ctx, id, { lastAttempt }) {
      const row = await read(id);
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
