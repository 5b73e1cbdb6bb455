import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { userAddresses } from '../db/schema/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { optionalText, requiredText } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';
import { getUserProfile } from './get-user.ts';
import type { UserDto } from './dto.ts';

export const addressInput = z.object({
  country: requiredText(100),
  state: optionalText(100),
  city: requiredText(100),
  address1: requiredText(200),
  address2: optionalText(200),
  zipCode: optionalText(20),
  addressType: requiredText(40),
});

/** An edit names at least one field: an empty one is a client mistake, not a no-op (and not a 500). */
export const addressUpdateInput = addressInput
  .partial()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'give at least one address field to change' });

export const MAX_ADDRESSES = 20;

export async function addAddress(ctx: Ctx, userId: string, raw: unknown): Promise<UserDto> {
  const input = parseInput(addressInput, raw);
  const existing = await ctx.db.$count(userAddresses, eq(userAddresses.userId, userId));
  if (existing >= MAX_ADDRESSES)
    throw new AppError('CONFLICT', `You can keep at most ${MAX_ADDRESSES} addresses`);
  await ctx.db.insert(userAddresses).values({ id: newId('address'), userId, ...input, createdAt: ctx.clock.now() });
  return getUserProfile(ctx, userId);
}

/** Edits one of the caller's own addresses; someone else's is simply not found. */
export async function updateAddress(ctx: Ctx, userId: string, rawId: unknown, raw: unknown): Promise<UserDto> {
  const id = parseInput(idSchema('address'), rawId);
  const input = parseInput(addressUpdateInput, raw);
  const [row] = await ctx.db
    .update(userAddresses)
    .set(input)
    .where(and(eq(userAddresses.id, id), eq(userAddresses.userId, userId)))
    .returning({ id: userAddresses.id });
  if (!row) throw notFound('Address');
  return getUserProfile(ctx, userId);
}

export async function deleteAddress(ctx: Ctx, userId: string, rawId: unknown): Promise<UserDto> {
  const id = parseInput(idSchema('address'), rawId);
  const [row] = await ctx.db
    .delete(userAddresses)
    .where(and(eq(userAddresses.id, id), eq(userAddresses.userId, userId)))
    .returning({ id: userAddresses.id });
  if (!row) throw notFound('Address');
  return getUserProfile(ctx, userId);
}
