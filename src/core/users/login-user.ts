import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { emailSchema, signInWithPassword } from '../auth/index.ts';
import { parseInput } from '../shared/validation.ts';
import { getUserProfile } from './get-user.ts';
import type { UserDto } from './dto.ts';

export const loginInput = z.object({
  email: emailSchema,
  password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
});

export async function loginUser(ctx: Ctx, raw: unknown): Promise<{ user: UserDto; token: string }> {
  const input = parseInput(loginInput, raw);
  const { account, token } = await signInWithPassword(ctx, 'user', input.email, input.password);
  return { user: await getUserProfile(ctx, account.id), token };
}
