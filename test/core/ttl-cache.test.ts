import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../src/core/shared/ttl-cache.ts';

describe('TtlCache', () => {
  it('concurrent misses of one key share one computation, and the value is reused until it expires', async () => {
    const cache = new TtlCache<number>(60_000);
    let runs = 0;
    const compute = async () => ++runs;
    const [a, b] = await Promise.all([cache.getOrCompute('k', compute), cache.getOrCompute('k', compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    expect(await cache.getOrCompute('k', compute)).toBe(1);
  });

  it('a key dropped while its value is being computed does not keep that older value', async () => {
    const cache = new TtlCache<string>(60_000);
    let finish!: (v: string) => void;
    const before = cache.getOrCompute('k', () => new Promise<string>((r) => (finish = r)));
    cache.delete('k'); // the change that made the running read stale
    finish('read before the change');
    expect(await before).toBe('read before the change');
    expect(await cache.getOrCompute('k', async () => 'read after the change')).toBe('read after the change');
  });

  it('deletePrefix drops the stored and the running keys under a prefix, and only those', async () => {
    const cache = new TtlCache<string>(60_000);
    await cache.getOrCompute('user:1:a', async () => 'a');
    await cache.getOrCompute('user:12:b', async () => 'b');
    let finish!: (v: string) => void;
    const running = cache.getOrCompute('user:1:c', () => new Promise<string>((r) => (finish = r)));
    cache.deletePrefix('user:1:');
    finish('stale');
    await running;
    expect([cache.get('user:1:a'), cache.get('user:1:c'), cache.get('user:12:b')]).toEqual([undefined, undefined, 'b']);
  });

  it('with a ttl of 0 it computes every time', async () => {
    const cache = new TtlCache<number>(0);
    let runs = 0;
    await cache.getOrCompute('k', async () => ++runs);
    await cache.getOrCompute('k', async () => ++runs);
    expect(runs).toBe(2);
  });
});
