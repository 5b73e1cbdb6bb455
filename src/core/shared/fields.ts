import { z } from 'zod';

/** Field schemas shared by several inputs, so the same field is validated the same way everywhere. */
export const personName = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');

export const phoneNumber = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\+?[0-9 ()-]{4,24}$/, 'must be a phone number (digits, spaces, + ( ) -)'));

export const zipCode = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^[A-Za-z0-9 -]{2,12}$/, 'must be a postal code (letters, digits, space, -)'));

export const moderationReason = z.string().trim().max(500, 'must be at most 500 characters').optional();
/** Why an admin or operator acted, where the action needs one (shown to the seller, kept in the audit log). */
export const requiredReason = z.string({ message: 'is required' }).trim().min(1, 'is required').max(500, 'must be at most 500 characters');

/** A required trimmed string of at most `max` characters. */
export const requiredText = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);

/** An optional string (numbers accepted, as form fields send them), trimmed, at most `max` characters. */
export const optionalText = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`))
    .optional()
    .nullable();

// PostgreSQL refuses some dates JavaScript accepts (year 0, years beyond 294276), and none outside
// this range is a real sale window or expiry: every date a client sends is bounded here.
const EARLIEST_DATE = new Date('2000-01-01T00:00:00.000Z');
const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');
const DATE_RANGE = 'must be between 2000-01-01 and 9999-12-31';
const inDateRange = (date: z.ZodDate) => date.min(EARLIEST_DATE, DATE_RANGE).max(LATEST_DATE, DATE_RANGE);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const ISO_MESSAGE = 'must be an ISO 8601 date or date-time with offset';

/** `Date` reads 2024-02-30 as March 1st; a day the month does not have is a mistake to report instead. */
function isCalendarDay(iso: string): boolean {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}

/** An ISO 8601 date (UTC midnight) or date-time with an offset; never a local time that depends on the server. */
export const isoInstant = z
  .string({ message: ISO_MESSAGE })
  .trim()
  .refine((v) => ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)) && isCalendarDay(v), ISO_MESSAGE)
  .transform((v) => new Date(v))
  .pipe(inDateRange(z.date()));

/** A date in any form `Date` reads (ISO string, epoch milliseconds). */
export const lenientDate = inDateRange(z.coerce.date({ message: 'must be a date' }));

/** A point in time from an operator or a query string: `2025-01-31` (midnight UTC) or a full ISO time. */
export const sinceDate = inDateRange(z.coerce.date({ message: 'must be a date (YYYY-MM-DD) or an ISO time' }));
