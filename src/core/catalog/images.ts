import type { Ctx } from '../context.ts';
import { inArray, sql } from 'drizzle-orm';
import { orderLines, type Image } from '../db/schema/index.ts';
import { removeImageQuietly, type ImageUpload } from '../media/index.ts';
import { AppError } from '../shared/errors.ts';

export const MIN_IMAGES = 1;
export const MAX_IMAGES = 5;
/** Where listing images live in the media store. */
export const LISTING_IMAGE_FOLDER = 'products';

/** A listing shows 1–5 images; checked here too, so the CLI and worker get the same rule as the API. */
export function checkImageCount(uploads: readonly ImageUpload[]): void {
  const problem =
    uploads.length < MIN_IMAGES ? `at least ${MIN_IMAGES} image is required` : uploads.length > MAX_IMAGES ? `at most ${MAX_IMAGES} images` : undefined;
  if (problem) throw new AppError('VALIDATION_FAILED', `images: ${problem}`, { fields: { images: problem } });
}

/** Removes replaced images from the store, except those past orders still show (order lines keep the image). */
export async function removeImages(ctx: Ctx, images: readonly Image[]): Promise<void> {
  if (images.length === 0) return;
  const ids = images.map((i) => i.public_id);
  const kept = await ctx.db
    .selectDistinct({ id: sql<string>`${orderLines.image}->>'public_id'` })
    .from(orderLines)
    .where(inArray(sql`${orderLines.image}->>'public_id'`, ids));
  const inUse = new Set(kept.map((k) => k.id));
  await Promise.all(ids.filter((id) => !inUse.has(id)).map((id) => removeImageQuietly(ctx, id)));
}
