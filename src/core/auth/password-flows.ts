import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { changeAccountPassword, requestPasswordReset, resetPasswordWithToken } from './accounts.ts';
import { emailSchema, passwordSchema } from './passwords.ts';
import type { AccountKind } from '../db/schema/index.ts';
import { parseInput } from '../shared/validation.ts';

export const changePasswordInput = z.object({
  oldPassword: z.string().min(1, 'is required').max(128),
  newPassword: passwordSchema,
});

export const forgotPasswordInput = z.object({ email: emailSchema });

export const resetPasswordInput = z.object({
  token: z.string().trim().min(1, 'is required').max(200, 'is not a valid token'),
  password: passwordSchema,
});

/** Changes the password and ends every other session; the returned token keeps the caller signed in. */
export async function changePassword(ctx: Ctx, kind: AccountKind, id: string, raw: unknown): Promise<string> {
  const input = parseInput(changePasswordInput, raw);
  return changeAccountPassword(ctx, kind, { id, ...input });
}

/** Always answers the same; the email goes out only when the account exists. */
export async function forgotPassword(ctx: Ctx, kind: AccountKind, raw: unknown): Promise<void> {
  const input = parseInput(forgotPasswordInput, raw);
  await requestPasswordReset(ctx, kind, input.email);
}

export async function resetPassword(ctx: Ctx, kind: AccountKind, raw: unknown): Promise<void> {
  const input = parseInput(resetPasswordInput, raw);
  await resetPasswordWithToken(ctx, kind, input);
}
