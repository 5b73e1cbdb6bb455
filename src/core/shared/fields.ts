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

/** A point in time from an operator or a query string: `2025-01-31` (midnight UTC) or a full ISO time. */
export const sinceDate = z.coerce.date({ message: 'must be a date (YYYY-MM-DD) or an ISO time' });
