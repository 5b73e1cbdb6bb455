import { z } from 'zod';

/**
 * Money is integer minor units (cents) everywhere inside. Major units (19.99) exist only at the
 * edges; conversion is exact because it goes through the decimal string, never through float maths.
 */
export function majorToMinor(value: number | string): number {
  // String(19.99) is the shortest round-trip form "19.99"; a float artefact such as 0.30000000000000004
  // or an exponent form shows its extra digits and is refused instead of being rounded silently.
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new RangeError(`not a non-negative amount with at most 2 decimals: ${text}`);
  const whole = Number(match[1]);
  const cents = Number((match[2] ?? '').padEnd(2, '0'));
  const minor = whole * 100 + cents;
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount too large: ${text}`);
  return minor;
}

export function minorToMajor(minor: number): number {
  return minor / 100;
}

/** A money field in major units as JSON sends it: a number (or numeric string) ≥ 0 with ≤ 2 decimals. */
export const moneyMajor = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return majorToMinor(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an amount ≥ 0 with at most 2 decimals' });
    return z.NEVER;
  }
});

/**
 * Fee in basis points, rounded half up to the cent (the platform keeps the half cent), so
 * fee + net always equals the gross exactly.
 */
export function feeFromBps(grossMinor: number, bps: number): { fee: number; net: number } {
  const fee = Math.floor((grossMinor * bps + 5000) / 10000);
  return { fee, net: grossMinor - fee };
}

/** Splits an amount across weights so the parts sum exactly to the whole (largest remainder). */
export function splitProportionally(totalMinor: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const raw = weights.map((w) => (totalMinor * w) / sum);
  const parts = raw.map(Math.floor);
  let rest = totalMinor - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    rest -= 1;
  }
  return parts;
}

/** "12.50" for messages: integer arithmetic, no float formatting. */
export function formatMinor(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
