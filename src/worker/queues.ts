import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/index.ts';
import { queueNames, type JobData, type JobQueue, type QueueName, type RelayedJob } from '../core/jobs/index.ts';

export type Queues = Map<QueueName, Queue<JobData>>;

/**
 * One BullMQ queue per concern under the configured prefix. Outbox jobs are tried
 * `OUTBOX_MAX_ATTEMPTS` times with exponential backoff (2 s, 4 s, 8 s …), as the in-process poller does.
 */
export function openQueues(config: Config, connection: Redis, names: readonly QueueName[] = queueNames): Queues {
  return new Map(
    names.map((name) => [
      name,
      new Queue<JobData>(name, {
        connection,
        prefix: config.worker.queuePrefix,
        defaultJobOptions: { attempts: config.outbox.maxAttempts, backoff: { type: 'exponential', delay: 2000 } },
      }),
    ]),
  );
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.close()));
}

/**
 * The core's job-queue port on BullMQ: each row becomes a job named by its topic, with the row id as
 * job id. `connection` is the queues' (fail-fast) connection: while it is not up, publishing fails at
 * once, where BullMQ itself would wait for it.
 */
export function bullmqJobQueue(queues: Queues, connection: Redis): JobQueue {
  return {
    async publish(jobs) {
      if (connection.status !== 'ready') throw new Error(`Redis is not connected (${connection.status})`);
      const byQueue = new Map<QueueName, RelayedJob[]>();
      for (const j of jobs) {
        const list = byQueue.get(j.queue);
        if (list) list.push(j);
        else byQueue.set(j.queue, [j]);
      }
      await Promise.all(
        [...byQueue].map(([name, list]) =>
          queues.get(name)!.addBulk(list.map((j) => ({ name: j.topic, data: { kind: 'outbox' }, opts: { jobId: j.id } }))),
        ),
      );
    },
  };
}
