import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export type JobResult = Record<string, unknown>;

/**
 * Runs one job attempt and writes its log line: how long it took and how it ended: `completed`,
 * `skipped` (an outbox row already done), `retrying` or `failed`. The caller's logger carries the
 * queue, job id, name and attempt. The error goes on to the caller.
 */
export async function runLogged(log: Logger, fn: () => Promise<JobResult>, willRetry: (err: unknown) => boolean): Promise<JobResult> {
  const started = performance.now();
  const durationMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const result = await fn();
    log.info({ durationMs: durationMs(), outcome: result.outcome === 'skipped' ? 'skipped' : 'completed', result }, 'job finished');
    return result;
  } catch (err) {
    const retrying = willRetry(err);
    // The error itself, not its message: the logger's serializer reduces a database error to its code
    // and statement, where the message would carry every parameter (buyers' emails and addresses).
    if (retrying) log.warn({ durationMs: durationMs(), outcome: 'retrying', err }, 'job failed; it will be retried');
    else log.error({ durationMs: durationMs(), outcome: 'failed', err }, 'job failed for good');
    throw err;
  }
}
