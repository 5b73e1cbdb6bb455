import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import type { Clock } from './clock.ts';
import { idPattern, idPrefixes, type IdKind } from './id-kinds.ts';

export { idPrefixes, type IdKind };

// ulid's own generator asks the OS for one random byte per character (16 calls per id); drawing
// the same CSPRNG bytes from a refilled pool gives identical ids for a fraction of the cost.
const pool = new Uint8Array(4096);
let next = pool.length;
function randomFraction(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

const ulid = monotonicFactory(randomFraction);

const seededUlid = new AsyncLocalStorage<() => string>();

/** Prefixed, time-sortable ids: readable in logs and CLI args, safe as BullMQ job ids. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${(seededUlid.getStore()?.() ?? ulid()).toLowerCase()}`;
}

/**
 * Runs `fn` with every id made inside it (however deep in core) taken from `random` at the time
 * `clock` shows, so a seeded marketplace gets the same ids on every run. Ids stay time-sortable and
 * unique within the run; they are only as unpredictable as `random`, which is why nothing but
 * seeding uses this.
 */
export function withSeededIds<T>(clock: Clock, random: () => number, fn: () => Promise<T>): Promise<T> {
  const next = monotonicFactory(random);
  return seededUlid.run(() => next(clock.now().getTime()), fn);
}

/** A schema for one id kind, so a wrong kind of id fails with a message that names it. */
export function idSchema(kind: IdKind) {
  const { pattern, message } = idPattern(kind);
  return z.string().regex(pattern, { message });
}
