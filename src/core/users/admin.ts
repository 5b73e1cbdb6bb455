import { and, asc, count, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { emailSchema, forgetSessionAccount, hashPassword, passwordSchema } from '../auth/index.ts';
import { recordAudit } from '../audit/index.ts';
import { orders, userAddresses, users, type UserRole } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { toUserDto, type UserDto } from './dto.ts';
import { moderationReason, personName } from '../shared/fields.ts';

function assertAdmin(ctx: Ctx): void {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
}

/** Admin view of live accounts, newest first. */
export async function listUsers(ctx: Ctx, raw: unknown): Promise<Page & { users: UserDto[] }> {
  assertAdmin(ctx);
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
  assertAdmin(ctx);
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
  assertAdmin(ctx);
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
  reason: moderationReason,
});

/**
 * Bootstraps an admin: promotes the live account with this email, or creates a verified admin
 * account when there is none (then a name and password are required).
 */
export async function createAdmin(ctx: Ctx, raw: unknown): Promise<{ user: UserDto; created: boolean }> {
  assertAdmin(ctx);
  const input = parseInput(createAdminInput, raw);
  const result = await withTx(ctx, async (tx) => {
    const now = ctx.clock.now();
    const [existing] = await tx.select().from(users).where(and(eq(users.email, input.email), isNull(users.deletedAt)));
    if (existing) {
      const [row] = await tx.update(users).set({ role: 'Admin', updatedAt: now }).where(eq(users.id, existing.id)).returning();
      await recordAudit({ ...ctx, db: tx }, { action: 'user.promote-admin', target: existing.id, reason: input.reason });
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
    await recordAudit({ ...ctx, db: tx }, { action: 'user.create-admin', target: row!.id, reason: input.reason });
    return { user: toUserDto(row!, []), created: true };
  });
  forgetSessionAccount(ctx, 'user', result.user._id);
  return result;
}

/** What an admin sees of one account, deleted or not: the profile, its standing and its orders. */
export interface AdminUserDto extends UserDto {
  bannedAt: string | null;
  banReason: string | null;
  deletedAt: string | null;
  orders: { count: number; totalMinor: number };
}

export async function showUser(ctx: Ctx, rawId: unknown): Promise<AdminUserDto> {
  assertAdmin(ctx);
  const id = parseInput(idSchema('user'), rawId);
  const [[user], addresses, [spent]] = await Promise.all([
    ctx.db.select().from(users).where(eq(users.id, id)),
    ctx.db.select().from(userAddresses).where(eq(userAddresses.userId, id)).orderBy(asc(userAddresses.createdAt), asc(userAddresses.id)),
    ctx.db.select({ count: count(), totalMinor: sql<number>`coalesce(sum(${orders.totalMinor}), 0)`.mapWith(Number) }).from(orders).where(eq(orders.userId, id)),
  ]);
  if (!user) throw notFound('User');
  return {
    ...toUserDto(user, addresses),
    bannedAt: user.bannedAt?.toISOString() ?? null,
    banReason: user.banReason,
    deletedAt: user.deletedAt?.toISOString() ?? null,
    orders: { count: spent?.count ?? 0, totalMinor: spent?.totalMinor ?? 0 },
  };
}

/**
 * Makes a live account an Admin or a plain User again; audited. An admin cannot demote themself
 * (an operator can demote anyone), so nobody locks themself out by mistake.
 */
export async function setUserRole(ctx: Ctx, rawId: unknown, role: UserRole, rawReason?: unknown): Promise<UserDto> {
  assertAdmin(ctx);
  const id = parseInput(idSchema('user'), rawId);
  const reason = parseInput(moderationReason, rawReason);
  if (role !== 'Admin' && ctx.actor.kind === 'user' && ctx.actor.id === id) throw new AppError('CONFLICT', 'You cannot demote your own admin account');
  const user = await withTx(ctx, async (tx) => {
    const [row] = await tx.select().from(users).where(and(eq(users.id, id), isNull(users.deletedAt))).for('update');
    if (!row) throw notFound('User');
    if (row.role === role) throw new AppError('INVALID_STATE', `User ${id} is already ${role === 'Admin' ? 'an Admin' : 'a plain User'}`);
    const [updated] = await tx.update(users).set({ role, updatedAt: ctx.clock.now() }).where(eq(users.id, id)).returning();
    await recordAudit({ ...ctx, db: tx }, { action: role === 'Admin' ? 'user.promote-admin' : 'user.demote-admin', target: id, reason });
    return toUserDto(updated!, []);
  });
  forgetSessionAccount(ctx, 'user', id);
  return user;
}
