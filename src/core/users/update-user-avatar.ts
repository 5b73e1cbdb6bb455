import { eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { users } from '../db/schema/index.ts';
import { removeImageQuietly, type ImageUpload } from '../media/index.ts';
import { notFound } from '../shared/errors.ts';
import { getUserProfile } from './get-user.ts';
import type { UserDto } from './dto.ts';

/** Stores the new avatar, points the profile at it, then removes the old file. */
export async function updateUserAvatar(ctx: Ctx, userId: string, image: ImageUpload): Promise<UserDto> {
  const [current] = await ctx.db.select({ avatar: users.avatar }).from(users).where(eq(users.id, userId));
  if (!current) throw notFound('User');
  const stored = await ctx.ports.media.put(image, 'avatars');
  await ctx.db.update(users).set({ avatar: stored, updatedAt: ctx.clock.now() }).where(eq(users.id, userId));
  if (current.avatar) await removeImageQuietly(ctx, current.avatar.public_id);
  return getUserProfile(ctx, userId);
}
