export { enqueueOutbox, insertOutboxRows, outboxRows, type OutboxItem } from './enqueue.ts';
export {
  claimOutbox,
  processOutboxRow,
  drainOutbox,
  backoffMs,
  type OutboxRow,
  type OutboxHandler,
  type OutboxHandlers,
} from './dispatcher.ts';
export { createOutboxPoller, type OutboxPoller } from './poller.ts';
export { outboxStatus, type OutboxStatusDto } from './outbox-status.ts';
export {
  claimForRelay,
  releaseRelayClaim,
  readQueuedRows,
  finishQueuedRows,
  failQueuedRow,
  type RelayClaim,
  type QueuedRow,
} from './queued.ts';
export { pruneOutbox } from './prune-outbox.ts';
