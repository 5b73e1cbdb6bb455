/**
 * Coalesces concurrent single-item calls into batched ones ("group commit"): the first call runs at
 * once, calls made while a batch runs wait and go together in the next one (at most `maxBatch`).
 * Under light load each call is its own batch; under heavy load one statement serves many callers.
 * Each caller gets its own result, or the error of the batch it was in.
 */
export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, maxBatch = 200): (item: I) => Promise<O> {
  const waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  let busy = false;

  const flush = async () => {
    busy = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      try {
        const results = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    busy = false;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!busy) void flush();
    });
}
