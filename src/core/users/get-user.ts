import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { prepared } from '../db/prepared.ts';
import type { Ctx } from '../context.ts';
import { userAddresses, users } from '../db/schema/index.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toPublicUserDto, toUserDto, type PublicUserDto, type UserDto } from './dto.ts';

// `/user/me` is the most frequent signed-in request: both reads are built once and planned once per connection.
const liveUser = prepared((db) =>
  db
    .select()
    .from(users)
    .where(and(eq(users.id, sql.placeholder('id')), isNull(users.deletedAt)))
    .prepare('user_profile'),
);
const addressesOf = prepared((db) =>
  db
    .select()
    .from(userAddresses)
    .where(eq(userAddresses.userId, sql.placeholder('id')))
    .orderBy(asc(userAddresses.createdAt), asc(userAddresses.id))
    .prepare('user_addresses'),
);

/** The full profile of a live account, with its addresses. */
export async function getUserProfile(ctx: Ctx, userId: string): Promise<UserDto> {
  const [[user], addresses] = await Promise.all([liveUser(ctx.db).execute({ id: userId }), addressesOf(ctx.db).execute({ id: userId })]);
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
