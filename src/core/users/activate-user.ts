import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { consumeRegistration, issueSessionToken } from '../auth/index.ts';
import { users, type Image } from '../db/schema/index.ts';
import { isUniqueViolation, withTx } from '../db/tx.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { getUserProfile } from './get-user.ts';
import type { UserDto } from './dto.ts';

export const activationInput = z.object({
  activation_token: z.string().trim().min(1, 'is required').max(200, 'is not a valid token'),
});

/** Follows an activation link: creates the account (once) and opens its first session. */
export async function activateUser(ctx: Ctx, raw: unknown): Promise<{ user: UserDto; token: string }> {
  const input = parseInput(activationInput, raw);
  const created = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const { email, payload } = await consumeRegistration(c, { kind: 'user', token: input.activation_token });
    const now = ctx.clock.now();
    try {
      const [row] = await tx
        .insert(users)
        .values({
          id: newId('user'),
          name: String(payload.name),
          email,
          passwordHash: String(payload.passwordHash),
          avatar: (payload.avatar as Image | null) ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'An account with this email already exists');
      throw err;
    }
  });
  return { user: await getUserProfile(ctx, created.id), token: issueSessionToken(ctx, 'user', created) };
}
