import type { Ctx } from '../context.ts';
import { onCommit } from '../db/tx.ts';

/** What a live stream carries: a new message, a read receipt, an unread count, an order's new status. */
export const liveEventTypes = ['message', 'read', 'unread', 'order-status'] as const;
export type LiveEventType = (typeof liveEventTypes)[number];

/**
 * One event for one account's streams. `account` is a user or shop id (their prefixes differ, so an
 * id alone names the account and its kind). `data` is plain JSON.
 */
export interface LiveEvent {
  account: string;
  type: LiveEventType;
  data: Record<string, unknown>;
}

/**
 * Where live events go: the API's event bus (in-process, or Redis pub/sub shared by every API
 * process). Fire and forget: a lost event costs only liveness, since everything it says is also
 * read over REST; an implementation logs its own failures and never throws.
 */
export interface LivePublisher {
  publish(events: readonly LiveEvent[]): void;
}

/** Publishes once the caller's transaction commits, so no stream ever sees a change that rolled back. */
export function publishOnCommit(ctx: Ctx, events: readonly LiveEvent[]): void {
  const live = ctx.ports.live;
  if (!live || events.length === 0) return;
  onCommit(ctx.db, () => live.publish(events));
}
