import type { Redis, Result } from 'ioredis';
import type { Logger } from 'pino';
import { compareEventIds, eventIdTime, serialize, sseFrame, type EventBus, type StreamEvent } from './bus.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mvshopLivePublish(stream: string, channel: string, type: string, data: string, retentionMs: string): Result<string, Context>;
  }
}

/**
 * One event, atomically: appended to the account's Redis stream (entries older than the window
 * trimmed, by Redis's clock, the one its ids come from; the key expires after two quiet windows), with
 * the id of the entry before it (`p`; for a new stream, the window's start, before which anything
 * may have been), so a resume can tell whether anything after its last id is gone. Then published as
 * its ready SSE frame; being one script, publications follow the stream's order.
 */
const PUBLISH_SCRIPT = `
local t = redis.call('TIME')
local minId = (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])) .. '-0'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = minId
if last[1] then prev = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MINID', minId, '*', 't', ARGV[1], 'd', ARGV[2], 'p', prev)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
redis.call('PUBLISH', KEYS[2], 'id: ' .. id .. '\\nevent: ' .. ARGV[1] .. '\\ndata: ' .. ARGV[2] .. '\\n\\n')
return id`;

/** How long opening a stream waits for a subscription while Redis is not connected. */
const SUBSCRIBE_WAIT_MS = 2000;

/** A resume reads at most this many events; a longer gap is answered with a resync. */
const MAX_RESUME_EVENTS = 1000;

export interface RedisBusOptions {
  /** Commands (publish, resume reads): the API's client, which fails fast while Redis is down. */
  redis: Redis;
  /** A connection of its own for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber: Redis;
  prefix: string;
  retentionMs: number;
  log: Logger;
}

/**
 * Live events shared by every API process through one Redis: each account has a stream (its recent
 * events, for resumes) and a pub/sub channel (for delivery to the processes holding its streams).
 * A process subscribes to an account's channel while it holds a stream of that account.
 */
export function createRedisBus(opts: RedisBusOptions): EventBus {
  const { redis, subscriber, prefix, retentionMs, log } = opts;
  redis.defineCommand('mvshopLivePublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
  // Hash tags keep an account's stream and channel in one cluster slot.
  const streamKey = (account: string) => `${prefix}:ev:{${account}}`;
  const channelOf = (account: string) => `${prefix}:ch:{${account}}`;
  const listeners = new Map<string, (event: StreamEvent) => void>();
  const interruptions: (() => void)[] = [];

  subscriber.on('error', () => {
    // It reconnects by itself; the API's main Redis connection already logs the outage once.
  });
  subscriber.on('message', (channel: string, frame: string) => {
    const listener = listeners.get(channel);
    if (listener) listener({ id: frame.slice(4, frame.indexOf('\n')), frame });
  });
  // Set while delivery may be missing events: the connection dropped, or a subscription was asked
  // for before it was up. When it is (back) up, ioredis has subscribed again and streams catch up.
  let gap = false;
  subscriber.on('close', () => {
    gap = true;
  });
  subscriber.on('ready', () => {
    if (!gap) return;
    gap = false;
    for (const fn of interruptions) fn();
  });

  return {
    kind: 'redis',
    publish(events) {
      const pipeline = redis.pipeline();
      for (const event of events)
        pipeline.mvshopLivePublish(streamKey(event.account), channelOf(event.account), event.type, serialize(event), String(retentionMs));
      pipeline.exec().then(
        (results) => {
          const failed = results?.find(([err]) => err);
          if (failed) log.warn({ err: failed[0] }, 'live event not published');
        },
        (err: unknown) => log.warn({ err }, 'live events not published (Redis unavailable)'),
      );
    },
    async subscribe(account, listener) {
      const channel = channelOf(account);
      listeners.set(channel, listener);
      const subscribed = subscriber.subscribe(channel);
      if (subscriber.status === 'ready') {
        await subscribed;
        return;
      }
      // Connecting or away: wait a little, then let the stream open; the subscription completes on
      // (re)connection and the gap is caught up then.
      gap = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        subscribed.catch((err: unknown) => log.warn({ err }, 'live subscription failed')),
        new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    },
    async unsubscribe(account) {
      const channel = channelOf(account);
      listeners.delete(channel);
      await subscriber.unsubscribe(channel).catch((err: unknown) => log.warn({ err }, 'live unsubscription failed'));
    },
    async since(account, lastId) {
      const key = streamKey(account);
      const [[, exists], [, entries]] = (await redis
        .multi()
        .exists(key)
        .xrange(key, `(${lastId}`, '+', 'COUNT', MAX_RESUME_EVENTS)
        .exec()) as [[Error | null, number], [Error | null, [string, string[]][]]];
      // The key expires after two quiet windows: anything after `lastId` would be younger than that.
      if (!exists) return eventIdTime(lastId) >= Date.now() - retentionMs ? [] : null;
      if (entries.length === MAX_RESUME_EVENTS) return null;
      const events: StreamEvent[] = [];
      for (const [id, fields] of entries) {
        const f: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        // The first entry after `lastId` must follow it directly, or the ones between were trimmed.
        if (events.length === 0 && compareEventIds(f.p ?? '0-0', lastId) > 0) return null;
        events.push({ id, frame: sseFrame(id, f.t ?? 'message', f.d ?? '{}') });
      }
      return events;
    },
    onInterruption(fn) {
      interruptions.push(fn);
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
