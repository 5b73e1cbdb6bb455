import type { Clock } from '../../src/core/shared/clock.ts';

/** A clock tests set and move: business time passes without sleeping. */
export interface TestClock extends Clock {
  set(at: Date | number): void;
  advance(ms: number): void;
}

export const DAY = 86_400_000;

export function testClock(start: Date | number = Date.now()): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at) => {
      t = new Date(at).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
