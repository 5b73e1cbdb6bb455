import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/core/shared/batcher.ts';
import { createHeldRows } from '../../src/core/jobs/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A batcher whose batches take `ms` and are recorded. */
function recording(ms: number, opts?: Parameters<typeof createBatcher>[1]) {
  const batches: number[][] = [];
  const call = createBatcher(async (items: number[]) => {
    batches.push(items);
    await sleep(ms);
    return items.map((i) => i * 10);
  }, opts);
  return { batches, call };
}

describe('createBatcher', () => {
  it('runs a lone call at once and gathers the calls that arrive while a batch runs; each caller gets its own result', async () => {
    const { batches, call } = recording(30);
    const first = call(1);
    await sleep(5);
    const rest = [call(2), call(3), call(4)];
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('with gatherMs, calls arriving one by one within the wait go in one batch', async () => {
    const { batches, call } = recording(1, { gatherMs: 60, gatherUntil: 100 });
    const calls = [call(1)];
    for (const i of [2, 3, 4]) {
      await sleep(5);
      calls.push(call(i));
    }
    expect(await Promise.all(calls)).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('with gatherUntil, a batch that has enough runs without waiting out gatherMs', async () => {
    const { batches, call } = recording(1, { gatherMs: 5_000, gatherUntil: 3 });
    const started = Date.now();
    expect(await Promise.all([call(1), call(2), call(3)])).toEqual([10, 20, 30]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("gives every caller of a failed batch the batch's error", async () => {
    const call = createBatcher(async (): Promise<number[]> => {
      throw new Error('database down');
    });
    const results = await Promise.allSettled([call(1), call(2)]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['database down', 'database down']);
  });
});

describe('createHeldRows', () => {
  const row = (id: string) => ({ id, topic: 't', payload: { id }, attempts: 0 });

  it('gives a held row once, forgets released rows, and keeps only the newest `limit`', () => {
    const held = createHeldRows(2);
    held.hold([row('a'), row('b')]);
    expect(held.take('a')).toEqual(row('a'));
    expect(held.take('a')).toBeUndefined();
    held.hold([row('c'), row('d')]);
    expect(held.take('b')).toBeUndefined();
    held.release(['c']);
    expect(held.take('c')).toBeUndefined();
    expect(held.take('d')).toEqual(row('d'));
  });
});
