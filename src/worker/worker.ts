import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createCore, createLogger, type Config, type Core } from '../core/index.ts';
import { startInProcess } from './in-process.ts';
import { startOnRedis } from './on-redis.ts';

export interface RunningWorker {
  core: Core;
  redis?: Redis;
  log: Logger;
  /** What this worker runs, for the "worker ready" line and for tests. */
  runs: string[];
  /**
   * Stops taking work, lets running jobs finish (within WORKER_SHUTDOWN_SECONDS), then closes Redis
   * and (if it owns it) the core. Rejects when jobs had to be abandoned to BullMQ at the deadline.
   */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Share an already open core (dev runs the API and the worker in one process). Not closed by the worker. */
  core?: Core;
  /** Without Redis, run the outbox poller here (default true). Off when the core's poller already runs in this process. */
  outbox?: boolean;
  log?: Logger;
}

/**
 * Opens what the worker needs and starts it: on BullMQ when REDIS_URL is set, otherwise in this
 * process (outbox poller and schedule timers), so the embedded default sends mail and reconciles too.
 */
export async function startWorker(config: Config, opts: WorkerOptions = {}): Promise<RunningWorker> {
  const log = opts.log ?? opts.core?.log.child({ process: 'worker' }) ?? createLogger(config).child({ process: 'worker' });
  const ownsCore = !opts.core;
  const core = opts.core ?? (await createCore(config, { log }));
  const part = config.redisUrl
    ? await startOnRedis(config, core, log, config.redisUrl)
    : startInProcess(config, core, log, { outbox: opts.outbox ?? true });

  // Timers are unref'd and the database may be in-process: hold the process open until close().
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let closing: Promise<void> | undefined;
  return {
    core,
    redis: part.redis,
    log,
    runs: part.runs,
    close() {
      closing ??= (async () => {
        clearInterval(keepAlive);
        try {
          await part.close();
        } finally {
          if (ownsCore) await core.close();
        }
      })();
      return closing;
    },
  };
}
