import { z } from 'zod';
import type { Ctx } from '../context.ts';
import type { ImageUpload } from '../media/index.ts';
import { parseInput } from '../shared/validation.ts';
import { discountProblem, listingFields } from './fields.ts';
import { insertListing } from './insert-listing.ts';
import type { ListingDto } from './dto.ts';

export const createProductInput = z.object(listingFields).superRefine((v, ctx) => {
  const problem = discountProblem(v.originalPrice, v.discountPrice);
  if (problem) ctx.addIssue({ code: 'custom', path: ['discountPrice'], message: problem });
});
export type CreateProductInput = z.input<typeof createProductInput>;

/** A shop lists a product. The owner is the signed-in shop; sold count, ratings and status are not the seller's to set. */
export async function createProduct(ctx: Ctx, raw: unknown, images: readonly ImageUpload[]): Promise<ListingDto> {
  const input = parseInput(createProductInput, raw);
  return insertListing(ctx, 'product', input, images);
}
