/**
 * Process lifecycle shared by the API, worker and dev entry points: on the first SIGTERM or SIGINT,
 * run `close` (finish in-flight work, then release connections) and exit 0, or 1 if closing fails
 * or takes longer than `timeoutMs`. Later signals are ignored while closing.
 */
export function exitOnSignals(
  close: (signal: string) => Promise<void>,
  opts: { timeoutMs: number; onError: (err: unknown) => void },
): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    setTimeout(() => {
      opts.onError(new Error(`shutdown took longer than ${opts.timeoutMs} ms`));
      process.exit(1);
    }, opts.timeoutMs).unref();
    close(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        opts.onError(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
