import type { Ctx } from '../context.ts';
import { notFound } from '../shared/errors.ts';
import { listingId } from './fields.ts';
import { canView, findListing, parseIdParam, toListingDtos } from './listings.ts';
import { listProductReviews } from '../reviews/index.ts';
import type { ProductDetailDto } from './dto.ts';

/**
 * The product page: a product or event with its public shop and reviews. Anyone sees an active listing
 * of a live shop; the owning shop and admins also see it while pending, hidden or rejected. Everyone
 * else gets 404, as if it did not exist.
 */
export async function getProduct(ctx: Ctx, rawId: unknown): Promise<ProductDetailDto> {
  const id = parseIdParam(listingId, rawId);
  const row = await findListing(ctx.db, id);
  if (!row || !canView(ctx.actor, row.product, row.shop)) throw notFound('Product');
  const [dto] = await toListingDtos(ctx, [row]);
  return { ...dto!, reviews: await listProductReviews(ctx, id) };
}
