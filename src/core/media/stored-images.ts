import type { Ctx } from '../context.ts';
import type { Image } from '../db/schema/index.ts';
import type { ImageUpload } from './media-store.ts';
import { removeImageQuietly } from './remove-quietly.ts';

/**
 * Stores the uploads under `folder` (outside any transaction: the store may be Cloudinary), then runs
 * `write` with them. If storing or writing fails, the images stored for this call are removed again,
 * so no file is orphaned (nothing else can refer to images this call just stored).
 */
export async function withStoredImages<T>(
  ctx: Ctx,
  uploads: readonly ImageUpload[],
  folder: string,
  write: (images: Image[]) => Promise<T>,
): Promise<T> {
  const stored: Image[] = [];
  try {
    // One at a time keeps the order the client chose and stops at the first refusal.
    for (const upload of uploads) stored.push(await ctx.ports.media.put(upload, folder));
    return await write(stored);
  } catch (err) {
    await Promise.all(stored.map((image) => removeImageQuietly(ctx, image.public_id)));
    throw err;
  }
}
