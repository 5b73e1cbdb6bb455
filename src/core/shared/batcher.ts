const MAX_BATCH = 200;
/**
 * Batches running at once: the next one gathers while one waits for the database. One, not two:
 * with two, batches were half as large and each statement's round trip (a `writev` system call per
 * statement on the client side alone) cost more than the wait (`npm run bench:jobs`: +13 %).
 */
const MAX_IN_FLIGHT = 1;

export interface BatcherOptions {
  /**
   * How long a batch smaller than `gatherUntil` items waits for more before it runs. For callers that
   * arrive one by one (jobs finishing at a mail server's pace), where each would otherwise be a
   * statement of its own; the wait ends as soon as `gatherUntil` items are there.
   */
  gatherMs?: number;
  gatherUntil?: number;
}

/**
 * Coalesces concurrent single-item calls into batched ones ("group commit"): a call runs at once
 * when no batch is running (or after `gatherMs`), otherwise it waits and goes with the others that
 * arrived meanwhile in the next batch. Under light load each call is its own batch; under heavy load
 * one statement serves many callers. Each caller gets its own result, or the error of its batch.
 */
export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, opts: BatcherOptions = {}): (item: I) => Promise<O> {
  const { gatherMs = 0, gatherUntil = MAX_BATCH } = opts;
  const waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  let inFlight = 0;
  let gathered: (() => void) | undefined;

  const gather = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        gathered = undefined;
        resolve();
      }, gatherMs);
      gathered = () => {
        clearTimeout(timer);
        gathered = undefined;
        resolve();
      };
    });

  const flush = async () => {
    inFlight++;
    while (waiting.length > 0) {
      if (gatherMs > 0 && waiting.length < gatherUntil) await gather();
      const batch = waiting.splice(0, MAX_BATCH);
      try {
        const results = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    inFlight--;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (inFlight < MAX_IN_FLIGHT) void flush();
      else if (gathered && waiting.length >= gatherUntil) gathered();
    });
}
