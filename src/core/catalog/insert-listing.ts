import type { Ctx } from '../context.ts';
import { onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from './catalog-version.ts';
import { products, productStock, type ListingKind, type ModerationStatus } from '../db/schema/index.ts';
import { newId } from '../shared/ids.ts';
import { withStoredImages, type ImageUpload } from '../media/index.ts';
import { checkImageCount, LISTING_IMAGE_FOLDER } from './images.ts';
import { findListing, sellerId, toListingDtos } from './listings.ts';
import type { ListingDto } from './dto.ts';

export interface NewListing {
  name: string;
  description: string;
  category: string;
  tags: string[];
  originalPrice: number;
  discountPrice?: number | null;
  stock: number;
  window?: { startsAt: Date; endsAt: Date };
}

/** Status of a new listing: live at once under post-moderation, waiting for an admin under pre-moderation. */
export const initialStatus = (ctx: Ctx): ModerationStatus => (ctx.config.catalog.moderation === 'pre' ? 'pending' : 'active');

/** Inserts a listing for the signed-in shop with its images stored first (and removed again on failure). */
export async function insertListing(ctx: Ctx, kind: ListingKind, input: NewListing, uploads: readonly ImageUpload[]): Promise<ListingDto> {
  const shopId = sellerId(ctx);
  checkImageCount(uploads);
  const id = newId(kind);
  await withStoredImages(ctx, uploads, LISTING_IMAGE_FOLDER, async (images) => {
    const now = ctx.clock.now();
    await withTx(ctx, async (tx) => {
      await tx.insert(products).values({
        id,
        shopId,
        kind,
        name: input.name,
        description: input.description,
        category: input.category,
        tags: input.tags,
        originalPriceMinor: input.originalPrice,
        discountPriceMinor: input.discountPrice ?? null,
        images,
        status: initialStatus(ctx),
        startsAt: input.window?.startsAt ?? null,
        endsAt: input.window?.endsAt ?? null,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insert(productStock).values({ productId: id, stock: input.stock });
      onCommit(tx, catalogChanged);
    });
  });
  const row = await findListing(ctx.db, id);
  const [dto] = await toListingDtos(ctx, [row!]);
  return dto!;
}
