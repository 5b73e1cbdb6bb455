import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventBus, StreamEvent } from '../../src/api/live/bus.ts';
import { createMemoryBus } from '../../src/api/live/memory-bus.ts';
import { createRedisBus } from '../../src/api/live/redis-bus.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';

const RETENTION_MS = 60_000;
const prefix = `mvshop-test:${randomBytes(6).toString('hex')}`;
const connections: Redis[] = [];
const redisClient = () => {
  const r = new Redis(TEST_REDIS_URL);
  connections.push(r);
  return r;
};

afterAll(async () => {
  const r = redisClient();
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
  for (const c of connections) c.disconnect();
});

const buses: EventBus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

const account = () => `usr_${randomBytes(13).toString('hex').slice(0, 26)}`;
const event = (acct: string, n: number) => ({ account: acct, type: 'message' as const, data: { n } });
const dataOf = (e: StreamEvent) => JSON.parse(e.frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { n: number };

interface BusKind {
  make(retentionMs: number, now: () => number): EventBus;
  /** Lets `ms` pass for the bus's retention window: a moved clock in process; Redis trims by its own clock, so really waits. */
  pass(clock: { now: number }, ms: number): Promise<void>;
}

const kinds: [string, BusKind][] = [
  ['in-process', { make: (retentionMs, now) => createMemoryBus({ retentionMs, now }), pass: async (clock, ms) => void (clock.now += ms) }],
  [
    'Redis',
    {
      make: (retentionMs) => createRedisBus({ redis: redisClient(), subscriber: redisClient(), prefix, retentionMs, log: pino({ level: 'silent' }) }),
      pass: async (clock, ms) => {
        await new Promise((r) => setTimeout(r, ms));
        clock.now += ms;
      },
    },
  ],
];

describe.each(kinds)('%s event bus', (_name, kind) => {
  const open = (retentionMs = RETENTION_MS, clock = { now: Date.now() }) => {
    const bus = kind.make(retentionMs, () => clock.now);
    buses.push(bus);
    return bus;
  };
  const received = async (bus: EventBus, acct: string) => {
    const got: StreamEvent[] = [];
    await bus.subscribe(acct, (e) => got.push(e));
    return {
      async wait(count: number) {
        for (let i = 0; i < 500 && got.length < count; i++) await new Promise((r) => setTimeout(r, 10));
        return got;
      },
    };
  };

  it('delivers an account’s events to its subscriber in order, as ready SSE frames with increasing ids', async () => {
    const bus = open();
    const a = account();
    const b = account();
    const sub = await received(bus, a);
    bus.publish([event(a, 1), event(b, 99), event(a, 2)]);
    bus.publish([event(a, 3)]);
    const got = await sub.wait(3);
    expect(got.map(dataOf).map((d) => d.n)).toEqual([1, 2, 3]);
    expect(got[0]!.frame).toMatch(/^id: \d+-\d+\nevent: message\ndata: \{"n":1\}\n\n$/);
    const ids = got.map((e) => e.id);
    expect([...ids].sort((x, y) => (x === y ? 0 : Number(x.split('-')[0]) - Number(y.split('-')[0]) || Number(x.split('-')[1]) - Number(y.split('-')[1])))).toEqual(ids);
  });

  it('resumes after an id with exactly the events that followed it, and nothing of another account', async () => {
    const bus = open();
    const a = account();
    const b = account();
    const sub = await received(bus, a);
    bus.publish([event(a, 1), event(a, 2), event(b, 50), event(a, 3), event(a, 4)]);
    const [first, second, , last] = await sub.wait(4);
    expect((await bus.since(a, first!.id))!.map(dataOf).map((d) => d.n)).toEqual([2, 3, 4]);
    expect((await bus.since(a, second!.id))!.map((e) => e.id)).toEqual((await sub.wait(4)).slice(2).map((e) => e.id));
    expect(await bus.since(a, last!.id)).toEqual([]);
    // B's stream holds only B's event: even an id of A's gives B nothing of A's.
    expect((await bus.since(b, `${Date.now() - 5000}-0`))!.map(dataOf)).toEqual([{ n: 50 }]);
    expect((await bus.since(b, first!.id))!.map(dataOf).every((d) => d.n === 50)).toBe(true);
  });

  it('answers null (resync) when events after the id have aged out of the window, but not for the last one kept', async () => {
    const clock = { now: Date.now() };
    const retentionMs = 300;
    const bus = open(retentionMs, clock);
    const a = account();
    const sub = await received(bus, a);
    bus.publish([event(a, 1)]);
    const [old] = await sub.wait(1);
    await kind.pass(clock, retentionMs + 200);
    bus.publish([event(a, 2)]);
    const got = await sub.wait(2);
    const before = `${Number(old!.id.split('-')[0]) - 1}-0`;
    expect(await bus.since(a, before)).toBeNull();
    expect((await bus.since(a, old!.id))!.map((e) => e.id)).toEqual([got[1]!.id]);
  });

  it('for an account with no events kept: nothing to resume within the window, resync beyond it', async () => {
    const now = Date.now();
    const bus = open();
    const quiet = account();
    expect(await bus.since(quiet, `${now - 1000}-0`)).toEqual([]);
    expect(await bus.since(quiet, `${now - RETENTION_MS * 2}-0`)).toBeNull();
  });
});
