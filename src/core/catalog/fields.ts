import { z } from 'zod';
import { idSchema } from '../shared/ids.ts';
import { requiredText } from '../shared/fields.ts';
import { moneyMajor } from '../shared/money.ts';

/** Field schemas of a listing. JSON and multipart (where every value is a string) parse the same way. */

export const MAX_PRICE_MINOR = 100_000_000; // 1,000,000.00
export const MAX_STOCK = 1_000_000;
export const MAX_TAGS = 20;

export const listingName = requiredText(200);
export const listingDescription = requiredText(5000);

/** Free-form names such as "Computers and Laptops" or "Pet Care", but never markup or control characters. */
export const category = z
  .string()
  .trim()
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} &'()+,./-]{0,59}$/u,
    "must be 1–60 letters, digits, spaces or & ' ( ) + , . / - (starting with a letter or digit)",
  );

const TAG = /^[\p{L}\p{N}][\p{L}\p{N} &'+.-]{0,29}$/u;

/** Tags as an array or one comma-separated string; trimmed, lower-cased, de-duplicated. */
export const tags = z
  .union([z.string(), z.array(z.string())], { message: 'must be a list of tags or a comma-separated string' })
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(TAG, 'each tag must be 1–30 letters, digits, spaces or & \' + . -'))
      .max(MAX_TAGS, `must have at most ${MAX_TAGS} tags`),
  )
  .transform((list) => [...new Set(list)]);

/** A price in major units (19.99) → integer cents, above zero and below a sanity ceiling. */
export const price = moneyMajor.pipe(
  z
    .number()
    .min(1, 'must be more than 0')
    .max(MAX_PRICE_MINOR, `must be at most ${MAX_PRICE_MINOR / 100}`),
);

/** A discount price, or null/"" for none. */
export const optionalPrice = z.preprocess((v) => (v === '' ? null : v), price.nullable());

/** A count of units: a whole number ≥ 0, as a JSON number or a digit string (multipart). */
export const stock = z
  .union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'must be a whole number').transform(Number)], {
    message: 'must be a whole number',
  })
  .pipe(z.number().int('must be a whole number').min(0, 'must be 0 or more').max(MAX_STOCK, `must be at most ${MAX_STOCK}`));

/** A product or an event: both are listings in one table. */
export const listingIdMessage = 'must be a product or event id (prod_… or evt_…)';
export const listingId = z.union([idSchema('product'), idSchema('event')], { message: listingIdMessage });

/** The fields a seller writes. Anything else in a body (shopId, sold_out, ratings, status, …) is dropped. */
export const listingFields = {
  name: listingName,
  description: listingDescription,
  category,
  tags: tags.default([]),
  originalPrice: price,
  discountPrice: optionalPrice.optional(),
  stock,
};

/** Discount must stay below the original price: checked on the values that will be stored. */
export function discountProblem(originalMinor: number, discountMinor: number | null | undefined): string | undefined {
  if (discountMinor == null) return undefined;
  return discountMinor < originalMinor ? undefined : 'must be below originalPrice';
}
