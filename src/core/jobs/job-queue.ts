import type { QueueName } from './queues.ts';

/** One outbox row handed to a queue: its id becomes the job id, its topic the job name. */
export interface RelayedJob {
  id: string;
  topic: string;
  queue: QueueName;
}

/**
 * The port the relay hands committed outbox rows to (BullMQ in the worker). Adding a job whose id the
 * queue already holds adds nothing, so a row relayed twice is still one job. Rejects when the queue
 * cannot be reached; nothing is lost, the rows wait in the outbox.
 */
export interface JobQueue {
  publish(jobs: RelayedJob[]): Promise<void>;
}
