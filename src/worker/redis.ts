import { Redis } from 'ioredis';
import type { Logger } from 'pino';

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
    log.warn({ err: err.message }, 'redis unreachable; retrying in the background');
  });
  redis.on('ready', () => {
    if (down) log.info('redis reconnected');
    down = false;
  });
  return redis;
}

/** Quits politely when connected (pending replies arrive first), otherwise just drops the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  redis.disconnect();
}
