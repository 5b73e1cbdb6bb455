import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
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

/** Prefixed, time-sortable ids: readable in logs and CLI args, safe as BullMQ job ids. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${ulid().toLowerCase()}`;
}

/** A schema for one id kind, so a wrong kind of id fails with a message that names it. */
export function idSchema(kind: IdKind) {
  const { pattern, message } = idPattern(kind);
  return z.string().regex(pattern, { message });
}
