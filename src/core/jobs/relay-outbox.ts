import type { Ctx } from '../context.ts';
import { claimForRelay, failQueuedRow, releaseRelayClaim, type OutboxRow } from '../outbox/index.ts';
import type { HeldRows } from './held-rows.ts';
import type { JobQueue, RelayedJob } from './job-queue.ts';
import { topicQueue } from './queues.ts';

/**
 * Moves committed outbox rows to their queues in batches until none is due, and returns how many it
 * handed over. Rows are marked relayed when claimed; if the queue cannot be reached they are put
 * back to pending and the error is thrown, so the next pass tries again. A row whose topic no queue
 * handles is marked dead, where operators see it. With `held`, the claimed rows are held for this
 * process's jobs (see held-rows.ts).
 */
export async function relayOutbox(ctx: Ctx, queue: JobQueue, opts: { batch?: number; held?: HeldRows } = {}): Promise<number> {
  const batch = opts.batch ?? 500;
  let relayed = 0;
  for (;;) {
    const claim = await claimForRelay(ctx, batch);
    const jobs: RelayedJob[] = [];
    const queued: OutboxRow[] = [];
    for (const row of claim.rows) {
      const name = topicQueue(row.topic);
      if (!name) {
        await failQueuedRow(ctx, row.id, { message: `no queue handles outbox topic ${row.topic}`, dead: true });
        continue;
      }
      // The job gets the row's id and topic only: its payload stays in PostgreSQL (and in `held`).
      jobs.push({ id: row.id, topic: row.topic, queue: name });
      queued.push(row);
    }
    // Held before they are published: a job can start before `publish` returns.
    opts.held?.hold(queued);
    try {
      if (jobs.length > 0) await queue.publish(jobs);
    } catch (err) {
      opts.held?.release(jobs.map((j) => j.id));
      await releaseRelayClaim(ctx, claim);
      throw err;
    }
    relayed += jobs.length;
    // Rows keep coming while a pass runs: go on until a claim finds none, not just a short batch.
    if (claim.rows.length === 0) return relayed;
  }
}
