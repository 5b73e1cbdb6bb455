import { z } from 'zod';
import type { Ctx } from '../context.ts';
import type { ImageUpload } from '../media/index.ts';
import { AppError } from '../shared/errors.ts';
import { isoInstant } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';
import { discountProblem, listingFields } from './fields.ts';
import { insertListing } from './insert-listing.ts';
import type { ListingDto } from './dto.ts';

export const createEventInput = z
  .object({ ...listingFields, start_Date: isoInstant, finish_Date: isoInstant })
  .superRefine((v, ctx) => {
    const problem = discountProblem(v.originalPrice, v.discountPrice);
    if (problem) ctx.addIssue({ code: 'custom', path: ['discountPrice'], message: problem });
    if (v.finish_Date <= v.start_Date) ctx.addIssue({ code: 'custom', path: ['finish_Date'], message: 'must be after start_Date' });
  });
export type CreateEventInput = z.input<typeof createEventInput>;

/** A shop lists a time-boxed offer: it can be bought only between start and finish, and the finish is ahead. */
export async function createEvent(ctx: Ctx, raw: unknown, images: readonly ImageUpload[]): Promise<ListingDto> {
  const { start_Date, finish_Date, ...fields } = parseInput(createEventInput, raw);
  // Checked here rather than in the schema: "now" is the context's clock.
  if (finish_Date <= ctx.clock.now())
    throw new AppError('VALIDATION_FAILED', 'Invalid finish_Date: must be in the future', { fields: { finish_Date: 'must be in the future' } });
  return insertListing(ctx, 'event', { ...fields, window: { startsAt: start_Date, endsAt: finish_Date } }, images);
}
