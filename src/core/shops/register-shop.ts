import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { emailSchema, findAccountByEmail, hashPassword, passwordSchema, startRegistration } from '../auth/index.ts';
import type { ImageUpload } from '../media/index.ts';
import { AppError } from '../shared/errors.ts';
import { parseInput } from '../shared/validation.ts';
import { personName, phoneNumber, requiredText, zipCode } from '../shared/fields.ts';

export const registerShopInput = z.object({
  name: personName,
  email: emailSchema,
  password: passwordSchema,
  phoneNumber,
  address: requiredText(300),
  zipCode,
});
export type RegisterShopInput = z.input<typeof registerShopInput>;

/** A seller opens a shop: nothing is usable until the emailed activation link is followed. */
export async function registerShop(ctx: Ctx, raw: unknown, avatar?: ImageUpload): Promise<{ email: string }> {
  const input = parseInput(registerShopInput, raw);
  if (await findAccountByEmail(ctx, 'shop', input.email))
    throw new AppError('CONFLICT', 'A shop with this email already exists');
  const storedAvatar = avatar ? await ctx.ports.media.put(avatar, 'shop-avatars') : null;
  const { password, ...profile } = input;
  await startRegistration(ctx, {
    kind: 'shop',
    email: input.email,
    name: input.name,
    payload: { ...profile, passwordHash: await hashPassword(password, ctx.config.auth.hashCost), avatar: storedAvatar },
  });
  return { email: input.email };
}
