import { and, desc, eq, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { withTx } from '../db/tx.ts';
import { pendingRegistrations, type AccountKind } from '../db/schema/index.ts';
import { queueEmail } from '../mail/index.ts';
import { newId } from '../shared/ids.ts';
import { AppError } from '../shared/errors.ts';
import { consumeEmailToken, issueEmailToken } from './email-tokens.ts';

const activationPath: Record<AccountKind, string> = { user: '/activation', shop: '/seller/activation' };

/**
 * Records a sign-up and emails its activation link, in one transaction. The account itself is
 * created only when the link is used.
 */
export async function startRegistration(
  ctx: Ctx,
  input: { kind: AccountKind; email: string; name: string; payload: Record<string, unknown> },
): Promise<void> {
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const id = newId('registration');
    await tx.insert(pendingRegistrations).values({
      id,
      kind: input.kind,
      email: input.email,
      payload: input.payload,
      createdAt: ctx.clock.now(),
    });
    const ttlMinutes = ctx.config.auth.activationTtlMinutes;
    const token = await issueEmailToken(c, { purpose: 'activate', kind: input.kind, subjectId: id, ttlMinutes });
    await queueEmail(c, input.email, 'activate-account', {
      name: input.name,
      kind: input.kind,
      url: `${ctx.config.http.frontendUrl}${activationPath[input.kind]}/${token}`,
      expiresInMinutes: ttlMinutes,
    });
  });
  ctx.afterCommit?.();
}

/** Uses an activation token (inside the caller's transaction) and returns the sign-up it confirms. */
export async function consumeRegistration(
  ctx: Ctx,
  input: { kind: AccountKind; token: string },
): Promise<{ email: string; payload: Record<string, unknown> }> {
  const id = await consumeEmailToken(ctx, { purpose: 'activate', kind: input.kind, token: input.token });
  const [pending] = await ctx.db.select().from(pendingRegistrations).where(eq(pendingRegistrations.id, id));
  if (!pending) throw new AppError('CONFLICT', 'This activation link has already been used');
  // Other sign-ups waiting on the same address are void once one of them is confirmed.
  await ctx.db
    .delete(pendingRegistrations)
    .where(and(eq(pendingRegistrations.kind, input.kind), eq(pendingRegistrations.email, pending.email)));
  return { email: pending.email, payload: pending.payload };
}

/** The password hash of the newest sign-up still waiting for this address to be confirmed, if any. */
export async function pendingRegistrationHash(ctx: Ctx, kind: AccountKind, email: string): Promise<string | undefined> {
  const [row] = await ctx.db
    .select({ hash: sql<string | null>`${pendingRegistrations.payload}->>'passwordHash'` })
    .from(pendingRegistrations)
    .where(and(eq(pendingRegistrations.kind, kind), eq(pendingRegistrations.email, email)))
    .orderBy(desc(pendingRegistrations.createdAt))
    .limit(1);
  return row?.hash ?? undefined;
}
