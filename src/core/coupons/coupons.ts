import { and, count, desc, eq, isNull, sql, type SQLWrapper } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { isAdmin, type Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { coupons } from '../db/schema/commerce.ts';
import { products } from '../db/schema/index.ts';
import { isUniqueViolation, withTx } from '../db/tx.ts';
import { AppError, forbidden, notFound } from '../shared/errors.ts';
import { lenientDate } from '../shared/fields.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { requiredReason } from '../shared/fields.ts';
import { minorToMajor, moneyMajor } from '../shared/money.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import type { CouponTerms } from '../cart/index.ts';

type CouponRow = typeof coupons.$inferSelect;

export const couponName = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(40, 'must be at most 40 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may use letters, digits, - and _ only');

export const createCouponInput = z
  .object({
    name: couponName,
    value: z.coerce.number({ message: 'must be a number' }).int('must be a whole percent').min(1, 'must be 1–100').max(100, 'must be 1–100'),
    minAmount: moneyMajor.optional().nullable(),
    maxAmount: moneyMajor.optional().nullable(),
    selectedProduct: z.union([idSchema('product'), idSchema('event'), z.literal('')]).optional().nullable(),
    expiresAt: lenientDate.optional().nullable(),
    usageLimit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000_000, 'must be at most 1000000000').optional().nullable(),
  })
  .refine((v) => v.minAmount == null || v.maxAmount == null || v.minAmount <= v.maxAmount, {
    message: 'must not be below minAmount',
    path: ['maxAmount'],
  });

/** The seller's view of a coupon. */
export const couponDto = z.object({
  _id: idSchema('coupon'),
  name: z.string(),
  value: z.number().int(),
  shopId: idSchema('shop'),
  minAmount: z.number().nullable(),
  maxAmount: z.number().nullable(),
  selectedProduct: z.union([idSchema('product'), idSchema('event')]).nullable(),
  expiresAt: isoTime.nullable(),
  usageLimit: z.number().int().nullable(),
  usedCount: z.number().int(),
  createdAt: isoTime,
});
export type CouponDto = z.infer<typeof couponDto>;

/** What anyone may read of a usable coupon by its code. */
export const publicCouponDto = couponDto.pick({ _id: true, name: true, value: true, shopId: true, selectedProduct: true, minAmount: true, maxAmount: true, expiresAt: true });
export type PublicCouponDto = z.infer<typeof publicCouponDto>;

export const toCouponDto = (c: CouponRow): CouponDto => ({
  _id: c.id,
  name: c.name,
  value: c.percent,
  shopId: c.shopId,
  minAmount: c.minAmountMinor === null ? null : minorToMajor(c.minAmountMinor),
  maxAmount: c.maxAmountMinor === null ? null : minorToMajor(c.maxAmountMinor),
  selectedProduct: c.productId,
  expiresAt: c.expiresAt?.toISOString() ?? null,
  usageLimit: c.usageLimit,
  usedCount: c.usedCount,
  createdAt: c.createdAt.toISOString(),
});

/** A shop creates a percentage coupon; its name is unique across the marketplace, ignoring case. */
export async function createCoupon(ctx: Ctx, shopId: string, raw: unknown): Promise<CouponDto> {
  const input = parseInput(createCouponInput, raw);
  if (input.expiresAt && input.expiresAt <= ctx.clock.now())
    throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future', { fields: { expiresAt: 'must be in the future' } });
  const productId = input.selectedProduct || null;
  if (productId) {
    const [p] = await ctx.db.select({ shopId: products.shopId }).from(products).where(and(eq(products.id, productId), isNull(products.deletedAt)));
    if (!p || p.shopId !== shopId)
      throw new AppError('VALIDATION_FAILED', 'selectedProduct must be one of your own products', { fields: { selectedProduct: 'not your product' } });
  }
  try {
    const [row] = await ctx.db
      .insert(coupons)
      .values({
        id: newId('coupon'),
        shopId,
        name: input.name,
        percent: input.value,
        minAmountMinor: input.minAmount ?? null,
        maxAmountMinor: input.maxAmount ?? null,
        productId,
        expiresAt: input.expiresAt ?? null,
        usageLimit: input.usageLimit ?? null,
        createdAt: ctx.clock.now(),
      })
      .returning();
    return toCouponDto(row!);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', `A coupon named ${input.name} already exists`);
    throw err;
  }
}

/** The caller's own shop's coupons only. */
export async function listShopCoupons(ctx: Ctx, shopId: string, rawShopId: unknown): Promise<CouponDto[]> {
  const asked = parseInput(idSchema('shop'), rawShopId);
  if (asked !== shopId) throw forbidden('You can only list your own shop’s coupons');
  const rows = await ctx.db
    .select()
    .from(coupons)
    .where(and(eq(coupons.shopId, shopId), isNull(coupons.deletedAt)))
    .orderBy(desc(coupons.createdAt));
  return rows.map(toCouponDto);
}

export const allCouponsInput = pageInput.extend({
  shop: z.preprocess((v) => (v === '' ? undefined : v), idSchema('shop').optional()),
});

/** Every live coupon of every shop (or of one), newest first: for admins and operators. */
export async function listAllCoupons(ctx: Ctx, raw: unknown): Promise<Page & { coupons: CouponDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const input = parseInput(allCouponsInput, raw);
  const where = and(isNull(coupons.deletedAt), input.shop ? eq(coupons.shopId, input.shop) : undefined);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db.select().from(coupons).where(where).orderBy(desc(coupons.createdAt), desc(coupons.id)).limit(input.limit).offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(coupons).where(where),
  ]);
  return { coupons: rows.map(toCouponDto), ...pageOf(total, input) };
}

const adminReason = z.object({ reason: requiredReason });

/**
 * A shop deletes its own coupon; an admin or operator deletes any, with a reason (audited). Soft
 * delete: orders that used it keep pointing at it, and nobody can redeem it again.
 */
export async function deleteCoupon(ctx: Ctx, rawId: unknown, rawReason?: unknown): Promise<CouponDto> {
  const id = parseInput(idSchema('coupon'), rawId);
  const admin = isAdmin(ctx.actor);
  const reason = admin ? parseInput(adminReason, { reason: rawReason }).reason : undefined;
  if (!admin && ctx.actor.kind !== 'shop') throw forbidden('Only the coupon’s shop or an admin can delete it');
  return withTx(ctx, async (tx) => {
    const [row] = await tx.select().from(coupons).where(and(eq(coupons.id, id), isNull(coupons.deletedAt))).for('update');
    if (!row) throw notFound('Coupon');
    if (!admin && !(ctx.actor.kind === 'shop' && ctx.actor.id === row.shopId)) throw forbidden('This coupon belongs to another shop');
    const [deleted] = await tx.update(coupons).set({ deletedAt: ctx.clock.now() }).where(eq(coupons.id, id)).returning();
    if (admin) await recordAudit({ ...ctx, db: tx }, { action: 'coupon.delete', target: id, reason, details: { shopId: row.shopId, name: row.name } });
    return toCouponDto(deleted!);
  });
}

async function findByName(ctx: Ctx, name: string): Promise<CouponRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(coupons)
    .where(and(sql`lower(${coupons.name}) = lower(${name})`, isNull(coupons.deletedAt)));
  return row;
}

const unusableReason = (c: CouponRow, now: Date) =>
  c.expiresAt && c.expiresAt <= now
    ? 'has expired'
    : c.usageLimit !== null && c.usedCount >= c.usageLimit
      ? 'has been used up'
      : undefined;

/** Public lookup for the storefront: the coupon's terms, or null when unknown or unusable. */
export async function getCouponValue(ctx: Ctx, rawName: unknown): Promise<PublicCouponDto | null> {
  const parsed = couponName.safeParse(rawName);
  if (!parsed.success) return null;
  const c = await findByName(ctx, parsed.data);
  if (!c || unusableReason(c, ctx.clock.now())) return null;
  return {
    _id: c.id,
    name: c.name,
    value: c.percent,
    shopId: c.shopId,
    selectedProduct: c.productId,
    minAmount: c.minAmountMinor === null ? null : minorToMajor(c.minAmountMinor),
    maxAmount: c.maxAmountMinor === null ? null : minorToMajor(c.maxAmountMinor),
    expiresAt: c.expiresAt?.toISOString() ?? null,
  };
}

/** The terms of a coupon named at checkout; unknown, expired or used-up coupons are refused clearly. */
export async function couponForCheckout(ctx: Ctx, name: string): Promise<CouponTerms> {
  const c = await findByName(ctx, name);
  if (!c) throw new AppError('VALIDATION_FAILED', `Coupon ${name} does not exist`, { fields: { couponCode: 'unknown coupon' } });
  const reason = unusableReason(c, ctx.clock.now());
  if (reason) throw new AppError('CONFLICT', `Coupon ${c.name} ${reason}`);
  return {
    id: c.id,
    name: c.name,
    shopId: c.shopId,
    percent: c.percent,
    productId: c.productId,
    minAmountMinor: c.minAmountMinor,
    maxAmountMinor: c.maxAmountMinor,
  };
}

/**
 * Counts one use of each coupon, atomically: the conditional update means a usage limit holds
 * however many checkouts redeem at once. Returns one row per coupon counted; a coupon used up,
 * expired or deleted returns none, and the checkout writing it refuses (`couponGone`). The ids go in
 * sorted (`wanted.ids`: the JSON array of couponIdsOf), with a LIMIT (`wanted.count`, how many) that
 * tells the planner how few they are, so checkouts lock shared coupons in one order (as `stockTaking`
 * does for listings). Values are SQL (placeholders of a statement built once per shape); `wanted.now`
 * is the moment an expiry is compared with.
 */
export function couponUses(db: Db, wanted: { ids: SQLWrapper; count: SQLWrapper; now: SQLWrapper }) {
  return db
    .update(coupons)
    .set({ usedCount: sql`${coupons.usedCount} + 1` })
    .from(sql`(SELECT * FROM jsonb_array_elements_text(${wanted.ids}::jsonb) AS w(id) LIMIT ${wanted.count}) AS wanted`)
    .where(
      and(
        sql`${coupons.id} = wanted.id`,
        isNull(coupons.deletedAt),
        sql`(${coupons.usageLimit} IS NULL OR ${coupons.usedCount} < ${coupons.usageLimit})`,
        sql`(${coupons.expiresAt} IS NULL OR ${coupons.expiresAt} > ${wanted.now})`,
      ),
    )
    .returning({ id: coupons.id });
}

export const couponGone = () => new AppError('CONFLICT', 'The coupon has just been used up or expired');
