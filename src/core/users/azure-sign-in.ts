import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { issueSessionToken, type AzureIdentity } from '../auth/index.ts';
import { userIdentities, users } from '../db/schema/index.ts';
import { isUniqueViolation, withTx } from '../db/tx.ts';
import { AppError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { getUserProfile } from './get-user.ts';
import type { UserDto } from './dto.ts';

export const azureSignInInput = z.object({
  idToken: z.string().trim().min(1, 'is required').max(16_384, 'is too long'),
});

const PROVIDER = 'azure-ad';

/**
 * Signs in with a verified Azure AD ID token. The identity is the token's tenant + object id;
 * name or email sent beside the token are never read, and the email claim never links to an
 * existing password account (it is mutable in Azure, so that would be a takeover path).
 */
export async function signInWithAzure(ctx: Ctx, raw: unknown): Promise<{ user: UserDto; token: string }> {
  const verifier = ctx.ports.azure;
  if (!verifier)
    throw new AppError('SERVICE_UNAVAILABLE', 'Azure sign-in is not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID)');
  const input = parseInput(azureSignInInput, raw);
  const identity = await verifier.verify(input.idToken);
  const subject = `${identity.tenantId}:${identity.objectId}`;

  // Two first sign-ins at once: the loser's insert hits the unique key, and its retry finds the winner's link.
  const account = await findOrCreate(ctx, identity, subject).catch((err: unknown) => {
    if (isUniqueViolation(err)) return findOrCreate(ctx, identity, subject);
    throw err;
  });
  if (account.deletedAt) throw new AppError('UNAUTHENTICATED', 'This account no longer exists');
  if (account.bannedAt) throw new AppError('FORBIDDEN', `This account is banned${account.banReason ? `: ${account.banReason}` : ''}`);
  return { user: await getUserProfile(ctx, account.id), token: issueSessionToken(ctx, 'user', account) };
}

type UserRow = typeof users.$inferSelect;

/** The user linked to this Azure subject, or a new one created from the token (never linked by email). */
async function findOrCreate(ctx: Ctx, identity: AzureIdentity, subject: string): Promise<UserRow> {
  return withTx(ctx, async (tx) => {
    const linkedUser = async () =>
      (
        await tx
          .select({ user: users })
          .from(userIdentities)
          .innerJoin(users, eq(users.id, userIdentities.userId))
          .where(and(eq(userIdentities.provider, PROVIDER), eq(userIdentities.subject, subject)))
      )[0]?.user;
    const linked = await linkedUser();
    if (linked) return linked;

    if (!identity.email)
      throw new AppError('VALIDATION_FAILED', 'The Azure account has no email address to create a profile with');
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, identity.email), isNull(users.deletedAt)));
    // The email's account may be this identity's, created by a first sign-in that committed between
    // the two reads (each statement sees what is committed when it starts).
    if (taken) {
      const linkedSince = await linkedUser();
      if (linkedSince) return linkedSince;
      throw new AppError(
        'CONFLICT',
        'An account with this email already exists: sign in with your password (accounts are not linked by email)',
      );
    }
    const now = ctx.clock.now();
    const [created] = await tx
      .insert(users)
      .values({
        id: newId('user'),
        name: identity.name ?? identity.email.split('@')[0]!,
        email: identity.email,
        // No password: this account signs in through Azure only until a password reset sets one.
        passwordHash: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await tx.insert(userIdentities).values({ provider: PROVIDER, subject, userId: created!.id, createdAt: now });
    return created!;
  });
}
