/**
 * Coalesces concurrent single-item calls into batched ones ("group commit"): a call runs at once
 * when fewer than `maxInFlight` batches are running, otherwise it waits and goes with the others
 * that arrived meanwhile in the next batch (at most `maxBatch` items). Under light load each call is
 * its own batch; under heavy load one statement serves many callers. Each caller gets its own
 * result, or the error of the batch it was in.
 */
export function createBatcher<I, O>(
  run: (items: I[]) => Promise<O[]>,
  opts: { maxBatch?: number; maxInFlight?: number } = {},
): (item: I) => Promise<O> {
  const maxBatch = opts.maxBatch ?? 200;
  const maxInFlight = opts.maxInFlight ?? 2;
  const waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  let inFlight = 0;

  const flush = async () => {
    inFlight++;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
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
      if (inFlight < maxInFlight) void flush();
    });
}
