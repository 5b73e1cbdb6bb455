import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../core/shared/errors.ts';

/**
 * The worker's Redis connection. BullMQ workers need `maxRetriesPerRequest: null` (a blocking
 * command must wait out a reconnect, not fail). Reconnects on its own; an outage is logged once.
 */
export function connectWorkerRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err }, 'redis unreachable; retrying in the background');
  });
  redis.on('ready', () => {
    if (down) log.info('redis reconnected');
    down = false;
  });
  return redis;
}

/**
 * A connection for adding jobs and for operators' queries: while Redis is down a command fails at
 * once instead of waiting in a queue (the relay then leaves its rows in the outbox), and a command
 * Redis does not answer gives up after 10 s. Still reconnects in the background; errors surface on
 * the commands, not as events.
 */
export function connectProducerRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 10_000 });
  redis.on('error', () => {
    // Each command reports its own failure.
  });
  return redis;
}

const REDIS_WAIT_MS = 3000;

/**
 * A producer connection for an operator's command, once Redis has answered: an operator is told at
 * once that Redis is down instead of each query failing on its own.
 */
export async function connectOperatorRedis(url: string): Promise<Redis> {
  const redis = connectProducerRedis(url);
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), REDIS_WAIT_MS).unref()),
  ]);
  if (!ready) {
    redis.disconnect();
    throw new AppError('SERVICE_UNAVAILABLE', `Redis (REDIS_URL) did not answer within ${REDIS_WAIT_MS / 1000} s`);
  }
  return redis;
}

/** Quits politely when connected (pending replies arrive first), otherwise just drops the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  redis.disconnect();
}
