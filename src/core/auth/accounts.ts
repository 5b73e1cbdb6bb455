import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Ctx } from '../context.ts';
import { endedSessions, shops, users, type AccountKind } from '../db/schema/index.ts';
import { prepared } from '../db/prepared.ts';
import { withTx } from '../db/tx.ts';
import { queueEmail } from '../mail/index.ts';
import { AppError } from '../shared/errors.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { consumeEmailToken, issueEmailToken, voidEmailTokens } from './email-tokens.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { pendingRegistrationHash } from './registration.ts';
import { signSession, verifySession } from './session-tokens.ts';

/** The columns users and shops share as sign-in accounts. */
export interface AccountRow {
  id: string;
  name: string;
  email: string;
  passwordHash: string | null;
  sessionVersion: number;
  bannedAt: Date | null;
  banReason: string | null;
  deletedAt: Date | null;
  /** Buyers only. */
  role?: 'User' | 'Admin';
}

// Both tables carry identical account columns; reading them through one shape keeps the session,
// password and reset rules written once for buyers and sellers.
const table = (kind: AccountKind) => (kind === 'user' ? users : (shops as unknown as typeof users));

const accountColumns = (kind: AccountKind) => {
  const t = table(kind);
  return {
    id: t.id,
    name: t.name,
    email: t.email,
    passwordHash: t.passwordHash,
    sessionVersion: t.sessionVersion,
    bannedAt: t.bannedAt,
    banReason: t.banReason,
    deletedAt: t.deletedAt,
    ...(kind === 'user' && { role: users.role }),
  };
};

const label = (kind: AccountKind) => (kind === 'user' ? 'account' : 'shop');

export async function findAccountByEmail(ctx: Ctx, kind: AccountKind, email: string): Promise<AccountRow | undefined> {
  const t = table(kind);
  const [row] = await ctx.db
    .select(accountColumns(kind))
    .from(t)
    .where(and(eq(t.email, email), isNull(t.deletedAt)))
    .limit(1);
  return row;
}

// Accounts read by key: prepared once, planned once per connection.
const accountById = {
  user: prepared((db) => db.select(accountColumns('user')).from(users).where(eq(users.id, sql.placeholder('id'))).prepare('account_user_by_id')),
  shop: prepared((db) => {
    const t = table('shop');
    return db.select(accountColumns('shop')).from(t).where(eq(t.id, sql.placeholder('id'))).prepare('account_shop_by_id');
  }),
};

export async function findAccountById(ctx: Ctx, kind: AccountKind, id: string): Promise<AccountRow | undefined> {
  const [row] = await accountById[kind](ctx.db).execute({ id });
  return row;
}

function assertUsable(kind: AccountKind, row: AccountRow | undefined): asserts row is AccountRow {
  if (!row || row.deletedAt) throw new AppError('UNAUTHENTICATED', `This ${label(kind)} no longer exists, please sign in again`);
  if (row.bannedAt)
    throw new AppError('FORBIDDEN', `This ${label(kind)} is banned${row.banReason ? `: ${row.banReason}` : ''}`);
}

// A signed-in request reads its account and whether its own session was ended, in one statement.
const endedFlag = sql<boolean>`exists (select 1 from ${endedSessions} where ${endedSessions.sessionId} = ${sql.placeholder('sid')})`;
const sessionById = {
  user: prepared((db) =>
    db.select({ ...accountColumns('user'), ended: endedFlag }).from(users).where(eq(users.id, sql.placeholder('id'))).prepare('session_user'),
  ),
  shop: prepared((db) => {
    const t = table('shop');
    return db.select({ ...accountColumns('shop'), ended: endedFlag }).from(t).where(eq(t.id, sql.placeholder('id'))).prepare('session_shop');
  }),
};
type SessionRow = AccountRow & { ended: boolean };

// Every signed-in request checks its session (account live and not banned, sessions not ended by a
// password change, this one not ended by logout). A storefront sends a few requests per page, so
// the answer is reused for SESSION_CACHE_MS (1 s) in this process: a ban, deletion, password change
// or logout made here applies at once (`forgetSessionAccount`, `endSession`), one made by another
// process (the CLI, another API instance) within that time.
interface SessionCache {
  /** Per session (`kind:account:session`): what its last read found. */
  sessions: TtlCache<SessionRow | null>;
  /** Per account: the session version its last read found, to notice a password changed elsewhere. */
  versions: TtlCache<number>;
}
const sessionCaches = new WeakMap<Config, SessionCache>();
function sessionCache(config: Config): SessionCache {
  let cache = sessionCaches.get(config);
  if (!cache) {
    const ttl = config.auth.sessionCacheMs;
    sessionCaches.set(config, (cache = { sessions: new TtlCache(ttl, 10_000), versions: new TtlCache(ttl, 10_000) }));
  }
  return cache;
}
const accountKey = (kind: AccountKind, accountId: string) => `${kind}:${accountId}:`;

/** Makes the next request of every session of this account read its state again (after a ban, deletion, role or password change). */
export function forgetSessionAccount(ctx: Ctx, kind: AccountKind, id: string): void {
  const { sessions, versions } = sessionCache(ctx.config);
  sessions.deletePrefix(accountKey(kind, id));
  versions.delete(accountKey(kind, id));
}

/** Resolves a session token to a live, unbanned account whose session has not been ended since. */
export async function authenticateSession(ctx: Ctx, kind: AccountKind, token: string): Promise<AccountRow> {
  const claims = verifySession(ctx.config, token, kind);
  const { sessions, versions } = sessionCache(ctx.config);
  const account = accountKey(kind, claims.id);
  const read = async () => {
    const row = (await sessionById[kind](ctx.db).execute({ id: claims.id, sid: claims.sid }))[0] ?? null;
    if (row) {
      // A newer version than this process last saw: the password changed through another process,
      // so the other sessions of this account it still holds are stale and are read again.
      const seen = versions.get(account);
      if (seen !== undefined && seen < row.sessionVersion) sessions.deletePrefix(account);
      versions.set(account, row.sessionVersion);
    }
    return row;
  };
  const row = (await sessions.getOrCompute(`${account}${claims.sid}`, read)) ?? undefined;
  assertUsable(kind, row);
  if (row.sessionVersion !== claims.sv)
    throw new AppError('UNAUTHENTICATED', 'This session was ended (password changed), please sign in again');
  if (row.ended) throw new AppError('UNAUTHENTICATED', 'This session was ended (signed out), please sign in again');
  return row;
}

/**
 * Logout: the session's token is refused from now on, by this process at once and by the others
 * within SESSION_CACHE_MS. A token that does not verify (expired, forged, absent) has no session to
 * end. The row goes once the token has expired anyway (the maintenance.expired-tokens schedule).
 */
export async function endSession(ctx: Ctx, kind: AccountKind, token: string | undefined): Promise<void> {
  if (!token) return;
  let claims;
  try {
    claims = verifySession(ctx.config, token, kind);
  } catch {
    return;
  }
  const now = ctx.clock.now();
  await ctx.db
    .insert(endedSessions)
    .values({ sessionId: claims.sid, kind, accountId: claims.id, expiresAt: claims.expiresAt, endedAt: now })
    .onConflictDoNothing();
  sessionCache(ctx.config).sessions.delete(`${accountKey(kind, claims.id)}${claims.sid}`);
}

export const issueSessionToken = (ctx: Ctx, kind: AccountKind, row: Pick<AccountRow, 'id' | 'sessionVersion'>) =>
  signSession(ctx.config, { id: row.id, kind, sv: row.sessionVersion });

/**
 * Email + password sign-in. A wrong password gets one answer whether the address is unknown, waiting
 * for its activation or an account, so none of them is revealed; only the right password of a sign-up
 * not yet activated is told to activate first.
 */
export async function signInWithPassword(
  ctx: Ctx,
  kind: AccountKind,
  email: string,
  password: string,
): Promise<{ account: AccountRow; token: string }> {
  const row = await findAccountByEmail(ctx, kind, email);
  // Exactly one password check on every path, so the time taken tells nothing either.
  const hash = row ? row.passwordHash : await pendingRegistrationHash(ctx, kind, email);
  const ok = await verifyPassword(hash, password);
  if (!ok) throw new AppError('UNAUTHENTICATED', 'Invalid email or password');
  if (!row) throw new AppError('FORBIDDEN', 'Please activate your account first: use the link we emailed you');
  assertUsable(kind, row);
  return { account: row, token: issueSessionToken(ctx, kind, row) };
}

/** Sets a new password and ends every other session; returns a fresh token for the caller's own session. */
export async function changeAccountPassword(
  ctx: Ctx,
  kind: AccountKind,
  input: { id: string; oldPassword: string; newPassword: string },
): Promise<string> {
  const row = await findAccountById(ctx, kind, input.id);
  assertUsable(kind, row);
  if (!(await verifyPassword(row.passwordHash, input.oldPassword)))
    throw new AppError('VALIDATION_FAILED', 'Old password is incorrect', { fields: { oldPassword: 'incorrect' } });
  const passwordHash = await hashPassword(input.newPassword, ctx.config.auth.hashCost);
  const updated = await withTx(ctx, async (tx) => {
    const t = table(kind);
    const [next] = await tx
      .update(t)
      .set({ passwordHash, sessionVersion: sql`${t.sessionVersion} + 1`, updatedAt: ctx.clock.now() })
      .where(eq(t.id, row.id))
      .returning({ id: t.id, sessionVersion: t.sessionVersion });
    // A reset link mailed earlier must not undo the new password.
    await voidEmailTokens({ ...ctx, db: tx }, { purpose: 'reset-password', kind, subjectId: row.id });
    await queueEmail({ ...ctx, db: tx }, row.email, 'password-changed', { name: row.name });
    return next!;
  });
  forgetSessionAccount(ctx, kind, updated.id);
  ctx.afterCommit?.();
  return issueSessionToken(ctx, kind, updated);
}

const resetPath: Record<AccountKind, string> = { user: '/reset-password', shop: '/seller/reset-password' };

/** Emails a reset link when the account exists; the caller answers the same either way. */
export async function requestPasswordReset(ctx: Ctx, kind: AccountKind, email: string): Promise<void> {
  const row = await findAccountByEmail(ctx, kind, email);
  if (!row || row.bannedAt) return;
  await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const ttlMinutes = ctx.config.auth.resetTtlMinutes;
    const token = await issueEmailToken(c, { purpose: 'reset-password', kind, subjectId: row.id, ttlMinutes });
    await queueEmail(c, row.email, 'reset-password', {
      name: row.name,
      url: `${ctx.config.http.frontendUrl}${resetPath[kind]}/${token}`,
      expiresInMinutes: ttlMinutes,
    });
  });
  ctx.afterCommit?.();
}

/** Uses a reset token once: new password, every existing session ended. */
export async function resetPasswordWithToken(
  ctx: Ctx,
  kind: AccountKind,
  input: { token: string; password: string },
): Promise<void> {
  const passwordHash = await hashPassword(input.password, ctx.config.auth.hashCost);
  const id = await withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const id = await consumeEmailToken(c, { purpose: 'reset-password', kind, token: input.token });
    const t = table(kind);
    const [row] = await tx
      .update(t)
      .set({ passwordHash, sessionVersion: sql`${t.sessionVersion} + 1`, updatedAt: ctx.clock.now() })
      .where(and(eq(t.id, id), isNull(t.deletedAt)))
      .returning({ email: t.email, name: t.name });
    if (!row) throw new AppError('NOT_FOUND', `This ${label(kind)} no longer exists`);
    // Other reset links sent before this one stop working too.
    await voidEmailTokens(c, { purpose: 'reset-password', kind, subjectId: id });
    await queueEmail(c, row.email, 'password-changed', { name: row.name });
    return id;
  });
  forgetSessionAccount(ctx, kind, id);
  ctx.afterCommit?.();
}
