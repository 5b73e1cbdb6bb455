import type { Ctx } from '../context.ts';
import type { Image } from '../db/schema/index.ts';
import { removeImageQuietly, type ImageUpload } from '../media/index.ts';
import { AppError } from '../shared/errors.ts';

export const MIN_IMAGES = 1;
export const MAX_IMAGES = 5;
const FOLDER = 'products';

/** A listing shows 1–5 images; checked here too, so the CLI and worker get the same rule as the API. */
export function checkImageCount(uploads: readonly ImageUpload[]): void {
  const problem =
    uploads.length < MIN_IMAGES ? `at least ${MIN_IMAGES} image is required` : uploads.length > MAX_IMAGES ? `at most ${MAX_IMAGES} images` : undefined;
  if (problem) throw new AppError('VALIDATION_FAILED', `images: ${problem}`, { fields: { images: problem } });
}

export async function removeImages(ctx: Ctx, images: readonly Image[]): Promise<void> {
  await Promise.all(images.map((i) => removeImageQuietly(ctx, i.public_id)));
}

/**
 * Stores the uploads (outside any transaction: the store may be Cloudinary), then runs `write` with them.
 * If storing or writing fails, the images stored for this call are removed again, so no file is orphaned.
 */
export async function withStoredImages<T>(ctx: Ctx, uploads: readonly ImageUpload[], write: (images: Image[]) => Promise<T>): Promise<T> {
  const stored: Image[] = [];
  try {
    // One at a time keeps the order the seller chose and stops at the first refusal.
    for (const upload of uploads) stored.push(await ctx.ports.media.put(upload, FOLDER));
    return await write(stored);
  } catch (err) {
    await removeImages(ctx, stored);
    throw err;
  }
}
