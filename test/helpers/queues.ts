import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A BullMQ key prefix of its own for one test file, so files sharing one Redis never see each other's jobs. */
export const testQueuePrefix = (label: string) => `mvshop-test-${label}-${randomBytes(4).toString('hex')}`;

/** Deletes every key under `prefix` (queues, jobs, schedulers) once a test file is done with them. */
export async function dropQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
