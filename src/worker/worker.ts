import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { createCore, type Config, type Core } from '../core/index.ts';
import { closeRedis, connectWorkerRedis } from './redis.ts';

export interface RunningWorker {
  core: Core;
  redis?: Redis;
  log: Logger;
  /** What this worker runs, for the "worker ready" line and for tests. */
  runs: string[];
  /** Stops taking work, lets in-flight work finish, then closes Redis and (if it owns it) the core. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Share an already open core (dev runs the API and the worker in one process). Not closed by the worker. */
  core?: Core;
  /** Run the outbox poller here (default true). Off when the core's poller already runs in this process. */
  outbox?: boolean;
  log?: Logger;
}

/** Opens what the worker needs and starts its loops. */
export async function startWorker(config: Config, opts: WorkerOptions = {}): Promise<RunningWorker> {
  const log = opts.log ?? opts.core?.log.child({ process: 'worker' }) ?? pino({ level: config.logLevel, base: { app: 'mvshop', process: 'worker' } });
  const ownsCore = !opts.core;
  const core = opts.core ?? (await createCore(config, { log }));
  const runs: string[] = [];

  const runOutbox = opts.outbox ?? true;
  if (runOutbox) {
    core.outbox.start();
    runs.push('outbox-poller');
  }
  const redis = config.redisUrl ? connectWorkerRedis(config.redisUrl, log) : undefined;
  // BullMQ queues and schedulers attach here, on `redis`, in later issues.

  // The poller's timer is unref'd and the database may be in-process: hold the process open until close().
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let closing: Promise<void> | undefined;
  return {
    core,
    redis,
    log,
    runs,
    close() {
      closing ??= (async () => {
        clearInterval(keepAlive);
        if (runOutbox) await core.outbox.stop();
        if (redis) await closeRedis(redis);
        if (ownsCore) await core.close();
      })();
      return closing;
    },
  };
}
