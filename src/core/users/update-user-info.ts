import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { emailSchema, findAccountById, verifyPassword } from '../auth/index.ts';
import { users } from '../db/schema/index.ts';
import { isUniqueViolation } from '../db/tx.ts';
import { AppError } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';
import { getUserProfile } from './get-user.ts';
import { personName, phoneNumber } from '../shared/fields.ts';
import type { UserDto } from './dto.ts';

/** Only these fields can change here; anything else in the body (role, verified, …) is ignored. */
export const updateUserInfoInput = z.object({
  name: personName.optional(),
  phoneNumber: phoneNumber.optional(),
  email: emailSchema.optional(),
  password: z.string().max(128).optional(),
});

/** Profile edit. Changing the email needs the current password. */
export async function updateUserInfo(ctx: Ctx, userId: string, raw: unknown): Promise<UserDto> {
  const input = parseInput(updateUserInfoInput, raw);
  const account = await findAccountById(ctx, 'user', userId);
  if (!account) throw new AppError('NOT_FOUND', 'User not found');
  const emailChanges = input.email !== undefined && input.email !== account.email;
  if (emailChanges) {
    if (!input.password)
      throw new AppError('VALIDATION_FAILED', 'Changing the email needs your current password', {
        fields: { password: 'is required to change the email' },
      });
    if (!(await verifyPassword(account.passwordHash, input.password)))
      throw new AppError('VALIDATION_FAILED', 'Password is incorrect', { fields: { password: 'incorrect' } });
  }
  try {
    await ctx.db
      .update(users)
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.phoneNumber !== undefined && { phoneNumber: input.phoneNumber }),
        ...(emailChanges && { email: input.email }),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(users.id, userId));
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'An account with this email already exists');
    throw err;
  }
  return getUserProfile(ctx, userId);
}
