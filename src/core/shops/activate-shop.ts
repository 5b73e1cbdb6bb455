import type { Ctx } from '../context.ts';
import { consumeRegistration, issueSessionToken } from '../auth/index.ts';
import { shops, type Image } from '../db/schema/index.ts';
import { isUniqueViolation, withTx } from '../db/tx.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { activationInput } from '../users/index.ts';
import { getSellerProfile } from './get-shop.ts';
import type { SellerDto } from './dto.ts';

/** Follows a shop activation link: creates the shop (once) and opens the seller's first session. */
export async function activateShop(ctx: Ctx, raw: unknown): Promise<{ seller: SellerDto; token: string }> {
  const input = parseInput(activationInput, raw);
  const created = await withTx(ctx, async (tx) => {
    const { email, payload } = await consumeRegistration({ ...ctx, db: tx }, { kind: 'shop', token: input.activation_token });
    const now = ctx.clock.now();
    try {
      const [row] = await tx
        .insert(shops)
        .values({
          id: newId('shop'),
          name: String(payload.name),
          email,
          passwordHash: String(payload.passwordHash),
          phoneNumber: String(payload.phoneNumber),
          address: String(payload.address),
          zipCode: String(payload.zipCode),
          avatar: (payload.avatar as Image | null) ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'A shop with this email already exists');
      throw err;
    }
  });
  return { seller: await getSellerProfile(ctx, created.id), token: issueSessionToken(ctx, 'shop', created) };
}
