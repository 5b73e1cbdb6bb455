export interface PollingLoop {
  start(): void;
  /** Ask for a pass now (after a commit that wrote work) instead of waiting for the next tick. */
  kick(): void;
  /** Runs passes until one finds nothing to do; resolves when idle. */
  drain(): Promise<number>;
  /** No more passes; resolves once the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` or when kicked, one pass at a time. A kick during a pass runs
 * another right after it, so work written meanwhile is not left for the next tick. `pass` returns
 * how much it did; a failed pass is reported to `onError` and the loop carries on.
 */
export function createPollingLoop(pass: () => Promise<number>, intervalMs: number, onError: (err: unknown) => void): PollingLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;

  const run = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          total += await pass();
        } catch (err) {
          onError(err);
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
      void run().finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    kick() {
      if (!stopped) void run();
    },
    async drain() {
      let total = 0;
      for (;;) {
        const n = await run();
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
