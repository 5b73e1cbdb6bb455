export {
  queueNames,
  queueNameSchema,
  outboxTopics,
  outboxHandlers,
  topicQueue,
  jobDataSchema,
  type QueueName,
  type JobData,
} from './queues.ts';
export type { JobQueue, RelayedJob } from './job-queue.ts';
export { relayOutbox } from './relay-outbox.ts';
export { createHeldRows, type HeldRows } from './held-rows.ts';
export { createOutboxJobRunner, type OutboxJobRunner, type OutboxJobOutcome } from './outbox-jobs.ts';
export { schedules, scheduleNames, findSchedule, type Schedule, type ScheduleName } from './schedules.ts';
