import type { Ctx } from '../context.ts';
import { drainOutbox, type OutboxHandlers } from './dispatcher.ts';

export interface OutboxPoller {
  start(): void;
  /** Ask for a pass now (after a commit that wrote rows) instead of waiting for the next tick. */
  kick(): void;
  /** Runs passes until nothing due is left; resolves when idle. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** In-process delivery loop: one pass at a time, every `pollMs` or when kicked. */
export function createOutboxPoller(makeCtx: () => Ctx, handlers: OutboxHandlers, pollMs: number): OutboxPoller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;

  const pass = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          total += await drainOutbox(makeCtx(), handlers);
        } catch (err) {
          makeCtx().log.error({ err }, 'outbox pass failed');
        }
      } while (again && !stopped);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void pass().finally(schedule);
    }, pollMs);
    timer.unref();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    kick() {
      if (!stopped) void pass();
    },
    async drain() {
      let total = 0;
      for (;;) {
        const n = await pass();
        total += n;
        if (n === 0) return total;
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
