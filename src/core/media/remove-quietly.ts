import type { Ctx } from '../context.ts';

/** Removes a replaced image. A file left behind costs disk, not correctness: log and go on. */
export async function removeImageQuietly(ctx: Ctx, publicId: string): Promise<void> {
  await ctx.ports.media.remove(publicId).catch((err: unknown) => ctx.log.warn({ err, publicId }, 'could not remove old image'));
}
