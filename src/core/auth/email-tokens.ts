import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { verificationTokens, type AccountKind, type TokenPurpose } from '../db/schema/index.ts';
import { AppError } from '../shared/errors.ts';

const hashToken = (ctx: Ctx, token: string) =>
  createHmac('sha256', ctx.config.auth.activationSecret).update(token).digest('hex');

/** Issues an opaque single-use token; only its HMAC is stored, so a database leak reveals no live link. */
export async function issueEmailToken(
  ctx: Ctx,
  input: { purpose: TokenPurpose; kind: AccountKind; subjectId: string; ttlMinutes: number },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  await ctx.db.insert(verificationTokens).values({
    tokenHash: hashToken(ctx, token),
    purpose: input.purpose,
    kind: input.kind,
    subjectId: input.subjectId,
    expiresAt: new Date(now.getTime() + input.ttlMinutes * 60_000),
    createdAt: now,
  });
  return token;
}

/**
 * Marks a token used and returns its subject. The conditional update makes it single-use even when
 * two requests present it at once: only one of them sees the row.
 */
export async function consumeEmailToken(
  ctx: Ctx,
  input: { purpose: TokenPurpose; kind: AccountKind; token: string },
): Promise<string> {
  const now = ctx.clock.now();
  const tokenHash = hashToken(ctx, input.token);
  const [used] = await ctx.db
    .update(verificationTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(verificationTokens.tokenHash, tokenHash),
        eq(verificationTokens.purpose, input.purpose),
        eq(verificationTokens.kind, input.kind),
        isNull(verificationTokens.usedAt),
        gt(verificationTokens.expiresAt, now),
      ),
    )
    .returning({ subjectId: verificationTokens.subjectId });
  if (used) return used.subjectId;

  const [row] = await ctx.db
    .select({ usedAt: verificationTokens.usedAt })
    .from(verificationTokens)
    .where(
      and(
        eq(verificationTokens.tokenHash, tokenHash),
        eq(verificationTokens.purpose, input.purpose),
        eq(verificationTokens.kind, input.kind),
      ),
    );
  const what = input.purpose === 'activate' ? 'activation link' : 'password reset link';
  if (!row) throw new AppError('VALIDATION_FAILED', `This ${what} is invalid`, { fields: { token: 'invalid' } });
  if (row.usedAt) throw new AppError('CONFLICT', `This ${what} has already been used`);
  throw new AppError('VALIDATION_FAILED', `This ${what} has expired, please ask for a new one`, {
    fields: { token: 'expired' },
  });
}

/** Voids a subject's unused tokens of one purpose: a password reset or change retires every other reset link. */
export async function voidEmailTokens(
  ctx: Ctx,
  input: { purpose: TokenPurpose; kind: AccountKind; subjectId: string },
): Promise<void> {
  await ctx.db
    .update(verificationTokens)
    .set({ usedAt: ctx.clock.now() })
    .where(
      and(
        eq(verificationTokens.subjectId, input.subjectId),
        eq(verificationTokens.purpose, input.purpose),
        eq(verificationTokens.kind, input.kind),
        isNull(verificationTokens.usedAt),
      ),
    );
}
