import { compareEventIds, eventIdTime, serialize, sseFrame, type EventBus, type StreamEvent } from './bus.ts';

/** Events kept per account at most, whatever the retention window (bounds memory under a burst). */
export const MAX_RETAINED_PER_ACCOUNT = 1000;

interface AccountLog {
  events: StreamEvent[];
  /**
   * A resume from before this id may have lost something: the newest event dropped, or for a new
   * log the start of the window (an earlier log of the account may have aged out).
   */
  resumableFrom: string;
  lastMs: number;
  seq: number;
}

/**
 * The bus of a single API process (no REDIS_URL): events go straight to this process's streams and
 * the last `retentionMs` of each account's events stay in memory for resumes.
 */
export function createMemoryBus(opts: { retentionMs: number; now?: () => number }): EventBus {
  const now = opts.now ?? Date.now;
  const logs = new Map<string, AccountLog>();
  const listeners = new Map<string, (event: StreamEvent) => void>();

  const trim = (log: AccountLog, cutoff: number) => {
    let drop = 0;
    while (drop < log.events.length && (log.events.length - drop > MAX_RETAINED_PER_ACCOUNT || eventIdTime(log.events[drop]!.id) < cutoff)) drop++;
    if (drop === 0) return;
    log.resumableFrom = log.events[drop - 1]!.id;
    log.events.splice(0, drop);
  };

  // Accounts nobody listens to and whose events have all aged out are forgotten.
  const sweep = setInterval(() => {
    const cutoff = now() - opts.retentionMs;
    for (const [account, log] of logs) {
      trim(log, cutoff);
      if (log.events.length === 0 && !listeners.has(account)) logs.delete(account);
    }
  }, Math.min(opts.retentionMs, 60_000));
  sweep.unref();

  return {
    kind: 'memory',
    publish(events) {
      const at = now();
      for (const event of events) {
        let log = logs.get(event.account);
        if (!log) logs.set(event.account, (log = { events: [], resumableFrom: `${at - opts.retentionMs}-0`, lastMs: 0, seq: 0 }));
        // Ids keep increasing even if the wall clock steps back.
        if (at > log.lastMs) {
          log.lastMs = at;
          log.seq = 0;
        } else log.seq++;
        const id = `${log.lastMs}-${log.seq}`;
        const stored = { id, frame: sseFrame(id, event.type, serialize(event)) };
        log.events.push(stored);
        trim(log, at - opts.retentionMs);
        listeners.get(event.account)?.(stored);
      }
    },
    async subscribe(account, listener) {
      listeners.set(account, listener);
    },
    async unsubscribe(account) {
      listeners.delete(account);
    },
    async since(account, lastId) {
      const log = logs.get(account);
      // Without a log, anything after `lastId` would be younger than the window and still be here.
      if (!log) return eventIdTime(lastId) >= now() - opts.retentionMs ? [] : null;
      if (compareEventIds(lastId, log.resumableFrom) < 0) return null;
      return log.events.filter((e) => compareEventIds(e.id, lastId) > 0);
    },
    onInterruption() {
      // Delivery within one process is never interrupted.
    },
    async close() {
      clearInterval(sweep);
      logs.clear();
      listeners.clear();
    },
  };
}
