import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { emailSchema, forgetSessionAccount, hashPassword, passwordSchema } from '../auth/index.ts';
import { recordAudit } from '../audit/index.ts';
import { users } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { toUserDto, type UserDto } from './dto.ts';
import { moderationReason, personName } from '../shared/fields.ts';

/** Admin view of live accounts, newest first. */
export async function listUsers(ctx: Ctx, raw: unknown): Promise<Page & { users: UserDto[] }> {
  const input = parseInput(pageInput, raw);
  const live = isNull(users.deletedAt);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db.select().from(users).where(live).orderBy(desc(users.createdAt), desc(users.id)).limit(input.limit).offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(users).where(live),
  ]);
  return { users: rows.map((u) => toUserDto(u, [])), ...pageOf(total, input) };
}

/** Removes an account (soft delete: its orders and history stay); its sessions stop working at once. */
export async function deleteUser(ctx: Ctx, rawId: unknown, rawReason?: unknown): Promise<void> {
  const id = parseInput(idSchema('user'), rawId);
  const reason = parseInput(moderationReason, rawReason);
  if (ctx.actor.kind === 'user' && ctx.actor.id === id)
    throw new AppError('CONFLICT', 'You cannot delete your own admin account');
  await withTx(ctx, async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ deletedAt: ctx.clock.now(), updatedAt: ctx.clock.now() })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning({ id: users.id, email: users.email });
    if (!row) throw notFound('User');
    await recordAudit({ ...ctx, db: tx }, { action: 'user.delete', target: id, reason, details: { email: row.email } });
  });
  forgetSessionAccount(ctx, 'user', id);
}

/** Bans or lifts a ban; a banned account cannot sign in and its live sessions are refused. */
export async function setUserBan(ctx: Ctx, rawId: unknown, banned: boolean, rawReason?: unknown): Promise<void> {
  const id = parseInput(idSchema('user'), rawId);
  const reason = parseInput(moderationReason, rawReason);
  await withTx(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(users)
      .set(banned ? { bannedAt: now, banReason: reason ?? null, updatedAt: now } : { bannedAt: null, banReason: null, updatedAt: now })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning({ id: users.id });
    if (!row) throw notFound('User');
    await recordAudit({ ...ctx, db: tx }, { action: banned ? 'user.ban' : 'user.unban', target: id, reason });
  });
  forgetSessionAccount(ctx, 'user', id);
}

export const createAdminInput = z.object({
  email: emailSchema,
  name: personName.optional(),
  password: passwordSchema.optional(),
});

/**
 * Bootstraps an admin: promotes the live account with this email, or creates a verified admin
 * account when there is none (then a name and password are required).
 */
export async function createAdmin(ctx: Ctx, raw: unknown): Promise<{ user: UserDto; created: boolean }> {
  const input = parseInput(createAdminInput, raw);
  const result = await withTx(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [existing] = await tx.select().from(users).where(and(eq(users.email, input.email), isNull(users.deletedAt)));
    if (existing) {
      const [row] = await tx.update(users).set({ role: 'Admin', updatedAt: now }).where(eq(users.id, existing.id)).returning();
      await recordAudit({ ...ctx, db: tx }, { action: 'user.promote-admin', target: existing.id });
      return { user: toUserDto(row!, []), created: false };
    }
    if (!input.name || !input.password)
      throw new AppError('VALIDATION_FAILED', 'No account has this email: give a name and a password to create one', {
        fields: { ...(!input.name && { name: 'is required' }), ...(!input.password && { password: 'is required' }) },
      });
    const [row] = await tx
      .insert(users)
      .values({
        id: newId('user'),
        name: input.name,
        email: input.email,
        passwordHash: await hashPassword(input.password, ctx.config.auth.hashCost),
        role: 'Admin',
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await recordAudit({ ...ctx, db: tx }, { action: 'user.create-admin', target: row!.id });
    return { user: toUserDto(row!, []), created: true };
  });
  forgetSessionAccount(ctx, 'user', result.user._id);
  return result;
}
