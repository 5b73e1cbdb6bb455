import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createCore, type Config, type Core } from '../core/index.ts';
import { preparePasswordChecks } from '../core/auth/index.ts';
import { loadCatalogIndex } from '../core/catalog/index.ts';
import { createApp } from './app.ts';
import { openStreamHub, type StreamHub } from './live/index.ts';

export interface RunningApi {
  core: Core;
  server: Server;
  redis?: Redis;
  streams: StreamHub;
  close(): Promise<void>;
}

/**
 * A Redis client that fails fast instead of queueing commands while Redis is down (callers fall
 * back), and says so once per outage: one line when Redis becomes unreachable, one when it is back.
 */
export function connectRedis(url: string, log: Logger): Redis {
  // A command waits at most a second: a rate-limit check must not hang on a Redis that stopped answering.
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: false });
  let down = false;
  redis.on('error', (err) => {
    // ioredis reconnects on its own and reports every failed attempt; only the first one is news.
    if (down) return;
    down = true;
    log.warn({ err }, 'Redis unavailable: rate limits fall back to per-process counts until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis available again: rate limits are shared again');
  });
  return redis;
}

/** Opens the core, starts the outbox and listens. `close` drains requests, then the outbox, then the database. */
export async function startApi(config: Config, core?: Core): Promise<RunningApi> {
  const c = core ?? (await createCore(config));
  const redis = config.redisUrl ? connectRedis(config.redisUrl, c.log) : undefined;
  // Give Redis a moment so shared rate limits start shared; if it is down the API serves without it.
  if (redis && redis.status !== 'ready')
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      redis.once('ready', done);
    });
  await preparePasswordChecks();
  await loadCatalogIndex(c.ctx());
  const streams = openStreamHub(c, redis);
  const app = createApp(c, { redis, streams });
  if (config.outbox.inApi) c.outbox.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  return {
    core: c,
    server,
    redis,
    streams,
    async close() {
      // Open event streams never finish by themselves; their clients reconnect to another process.
      await streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      redis?.disconnect();
      await c.close();
    },
  };
}
