import { and, eq, isNull, sql } from 'drizzle-orm';
import { prepared } from '../db/prepared.ts';
import type { Ctx } from '../context.ts';
import { userAddresses, users } from '../db/schema/index.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { toPublicUserDto, toUserDto, type AddressFields, type PublicUserDto, type UserDto } from './dto.ts';

// `/user/me` is the most frequent signed-in request: one statement, built once and planned once per
// connection, with the addresses as one JSON column (two statements in parallel cost the API a second
// query's round of work and a second connection). `${users}.id`: a single-table select writes its columns
// bare, and a bare "id" in the subquery would be the address's.
const profileOf = prepared((db) =>
  db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      phoneNumber: users.phoneNumber,
      avatar: users.avatar,
      role: users.role,
      createdAt: users.createdAt,
      updatedAt: users.updatedAt,
      // The keys are AddressFields' (the type only asserts them; the profile test compares whole addresses).
      addresses: sql<AddressFields[]>`(
        SELECT coalesce(json_agg(json_build_object('id', a.id, 'country', a.country, 'state', a.state, 'city', a.city,
          'address1', a.address1, 'address2', a.address2, 'zipCode', a.zip_code, 'addressType', a.address_type)
          ORDER BY a.created_at, a.id), '[]')
        FROM ${userAddresses} a WHERE a.user_id = ${users}.id)`,
    })
    .from(users)
    .where(and(eq(users.id, sql.placeholder('id')), isNull(users.deletedAt)))
    .prepare('user_profile'),
);

/** The full profile of a live account, with its addresses. */
export async function getUserProfile(ctx: Ctx, userId: string): Promise<UserDto> {
  const [user] = await profileOf(ctx.db).execute({ id: userId });
  if (!user) throw notFound('User');
  return toUserDto(user, user.addresses);
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
