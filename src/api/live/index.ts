import type { Redis } from 'ioredis';
import type { Core } from '../../core/index.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createRedisBus } from './redis-bus.ts';
import { createStreamHub, type StreamHub } from './streams.ts';

export type { StreamHub } from './streams.ts';

/**
 * The live event hub of an API process, installed as the core's publisher: through Redis pub/sub
 * when the process has Redis (every API process then sees every event), in process otherwise.
 */
export function openStreamHub(core: Core, redis?: Redis): StreamHub {
  const { live } = core.config;
  const bus = redis
    ? createRedisBus({
        redis,
        // A subscribed connection can do nothing else; it waits out Redis outages instead of failing.
        subscriber: redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
        prefix: live.redisPrefix,
        retentionMs: live.retentionMs,
        log: core.log,
      })
    : createMemoryBus({ retentionMs: live.retentionMs });
  core.ports.live = bus;
  return createStreamHub(bus, live, core.log);
}
