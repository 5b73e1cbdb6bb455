import type { LiveEvent, LivePublisher } from '../../core/live/index.ts';

/** An event in one account's stream: its id there (`<ms>-<seq>`, increasing) and the SSE frame every connection writes as is. */
export interface StreamEvent {
  id: string;
  frame: string;
}

/**
 * Carries live events from whichever process publishes them to the processes holding the account's
 * streams, and keeps each account's recent events for `Last-Event-ID` resumes. One listener per
 * account per process: the stream hub fans out to that account's connections.
 */
export interface EventBus extends LivePublisher {
  readonly kind: 'memory' | 'redis';
  /** Starts delivering `account`'s new events to `listener`; resolves once delivery is live (or queued behind a reconnect). */
  subscribe(account: string, listener: (event: StreamEvent) => void): Promise<void>;
  unsubscribe(account: string): Promise<void>;
  /** The retained events after `lastId`, oldest first; null when some after it may be gone (older than the retention window). */
  since(account: string, lastId: string): Promise<StreamEvent[] | null>;
  /** `fn` runs when live delivery may have skipped events (Redis reconnected), so streams catch up with `since`. */
  onInterruption(fn: () => void): void;
  close(): Promise<void>;
}

export const sseFrame = (id: string, type: string, data: string) => `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;

export const serialize = (event: LiveEvent) => JSON.stringify(event.data);

const EVENT_ID = /^(\d{1,16})-(\d{1,16})$/;

/** A `Last-Event-ID` as this bus writes them, or undefined for anything else (which then resumes nothing). */
export function parseEventId(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT_ID.test(value) ? value : undefined;
}

/** Orders two event ids (`<ms>-<seq>`): negative when `a` came first. */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** The millisecond time an event id was issued at. */
export const eventIdTime = (id: string) => Number(id.slice(0, id.indexOf('-')));
