import type { Ctx } from '../context.ts';
import { createPollingLoop, type PollingLoop } from '../shared/polling-loop.ts';
import { drainOutbox, type OutboxHandlers } from './dispatcher.ts';

export type OutboxPoller = PollingLoop;

/** In-process delivery loop: claims due rows and runs their handlers, every `pollMs` or when kicked. */
export function createOutboxPoller(makeCtx: () => Ctx, handlers: OutboxHandlers, pollMs: number): OutboxPoller {
  return createPollingLoop(
    () => drainOutbox(makeCtx(), handlers),
    pollMs,
    (err) => makeCtx().log.error({ err }, 'outbox pass failed'),
  );
}
