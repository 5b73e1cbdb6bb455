import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { products, productStock, type Image, type ModerationStatus } from '../db/schema/index.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from './catalog-version.ts';
import { withStoredImages, type ImageUpload } from '../media/index.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import {
  category,
  discountProblem,
  listingDescription,
  listingName,
  optionalPrice,
  price,
  stock,
  tags,
} from './fields.ts';
import { checkImageCount, LISTING_IMAGE_FOLDER, removeImages } from './images.ts';
import { findListing, lockOwnListing, parseIdParam, sellerId, toListingDtos } from './listings.ts';
import type { ListingDto } from './dto.ts';

/** Every listing field is optional; what is absent stays as it is. `discountPrice: null` removes the discount. */
export const updateProductInput = z.object({
  name: listingName.optional(),
  description: listingDescription.optional(),
  category: category.optional(),
  tags: tags.optional(),
  originalPrice: price.optional(),
  discountPrice: optionalPrice.optional(),
  stock: stock.optional(),
});
export type UpdateProductInput = z.input<typeof updateProductInput>;

const CONTENT_FIELDS = ['name', 'description', 'category', 'tags'] as const;

/**
 * The owning shop edits its product; `images`, when given, replace all current ones (the old files are
 * removed from the store after the change commits). Under pre-moderation, a content change (text or
 * images) sends an active or rejected listing back to review; price and stock edits do not. A hidden
 * listing stays hidden whatever the seller edits.
 */
export async function updateProduct(ctx: Ctx, rawId: unknown, raw: unknown, uploads?: readonly ImageUpload[]): Promise<ListingDto> {
  const id = parseIdParam(idSchema('product'), rawId);
  const input = parseInput(updateProductInput, raw);
  if (uploads) checkImageCount(uploads);

  // Ownership first, so another shop's request never stores a single file.
  const current = await findListing(ctx.db, id);
  if (!current || current.product.kind !== 'product') throw notFound('Product');
  if (current.product.shopId !== sellerId(ctx)) throw forbidden('This product belongs to another shop');

  const replaced = await withStoredImages(ctx, uploads ?? [], LISTING_IMAGE_FOLDER, (images) =>
    withTx(ctx, async (tx) => {
      const row = await lockOwnListing(tx, ctx, id, 'product');
      const original = input.originalPrice ?? row.originalPriceMinor;
      const discount = input.discountPrice === undefined ? row.discountPriceMinor : input.discountPrice;
      const problem = discountProblem(original, discount);
      if (problem) {
        const field = input.discountPrice === undefined ? 'originalPrice' : 'discountPrice';
        const message = field === 'discountPrice' ? problem : 'must be above the current discountPrice';
        throw new AppError('VALIDATION_FAILED', `Invalid ${field}: ${message}`, { fields: { [field]: message } });
      }
      const contentChanged = uploads !== undefined || CONTENT_FIELDS.some((f) => input[f] !== undefined);
      let status: ModerationStatus = row.status;
      let moderationReason = row.moderationReason;
      if (ctx.config.catalog.moderation === 'pre' && contentChanged && (row.status === 'active' || row.status === 'rejected')) {
        status = 'pending';
        moderationReason = null;
      }
      await tx
        .update(products)
        .set({
          name: input.name,
          description: input.description,
          category: input.category,
          tags: input.tags,
          originalPriceMinor: input.originalPrice,
          discountPriceMinor: input.discountPrice,
          ...(uploads && { images }),
          status,
          moderationReason,
          updatedAt: ctx.clock.now(),
        })
        .where(eq(products.id, id));
      onCommit(tx, catalogChanged);
      if (input.stock !== undefined) await tx.update(productStock).set({ stock: input.stock }).where(eq(productStock.productId, id));
      return uploads ? row.images : ([] as Image[]);
    }),
  );
  await removeImages(ctx, replaced);

  const [dto] = await toListingDtos(ctx, [(await findListing(ctx.db, id))!]);
  return dto!;
}
