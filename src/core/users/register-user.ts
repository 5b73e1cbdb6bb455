import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { emailSchema, findAccountByEmail, hashPassword, passwordSchema, startRegistration } from '../auth/index.ts';
import type { ImageUpload } from '../media/index.ts';
import { AppError } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';
import { personName } from '../shared/fields.ts';

export const registerUserInput = z.object({
  name: personName,
  email: emailSchema,
  password: passwordSchema,
});
export type RegisterUserInput = z.input<typeof registerUserInput>;

/** A buyer signs up: nothing is usable until the emailed activation link is followed. */
export async function registerUser(ctx: Ctx, raw: RegisterUserInput, avatar?: ImageUpload): Promise<{ email: string }> {
  const input = parseInput(registerUserInput, raw);
  if (await findAccountByEmail(ctx, 'user', input.email))
    throw new AppError('CONFLICT', 'An account with this email already exists');
  const storedAvatar = avatar ? await ctx.ports.media.put(avatar, 'avatars') : null;
  await startRegistration(ctx, {
    kind: 'user',
    email: input.email,
    name: input.name,
    payload: { name: input.name, passwordHash: await hashPassword(input.password, ctx.config.auth.hashCost), avatar: storedAvatar },
  });
  return { email: input.email };
}
