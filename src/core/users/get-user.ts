import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { userAddresses, users } from '../db/schema/index.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toPublicUserDto, toUserDto, type PublicUserDto, type UserDto } from './dto.ts';

/** The full profile of a live account, with its addresses. */
export async function getUserProfile(ctx: Ctx, userId: string): Promise<UserDto> {
  const [[user], addresses] = await Promise.all([
    ctx.db.select().from(users).where(and(eq(users.id, userId), isNull(users.deletedAt))),
    ctx.db.select().from(userAddresses).where(eq(userAddresses.userId, userId)).orderBy(asc(userAddresses.createdAt), asc(userAddresses.id)),
  ]);
  if (!user) throw notFound('User');
  return toUserDto(user, addresses);
}

/** Public fields only (name, avatar): anyone can look a buyer up. */
export async function getPublicUser(ctx: Ctx, rawId: unknown): Promise<PublicUserDto> {
  const id = parseInput(idSchema('user'), rawId);
  const [user] = await ctx.db
    .select({ id: users.id, name: users.name, avatar: users.avatar, createdAt: users.createdAt })
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)));
  if (!user) throw notFound('User');
  return toPublicUserDto(user);
}
