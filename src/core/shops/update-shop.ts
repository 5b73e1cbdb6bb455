import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { catalogChanged } from '../catalog/catalog-version.ts';
import type { Ctx } from '../context.ts';
import { onCommit } from '../db/tx.ts';
import { shops } from '../db/schema/index.ts';
import { removeImageQuietly, type ImageUpload } from '../media/index.ts';
import { notFound } from '../shared/errors.ts';
import { moneyMajor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { personName, phoneNumber, requiredText, zipCode } from '../shared/fields.ts';
import { getSellerProfile } from './get-shop.ts';
import type { SellerDto } from './dto.ts';

/** Whitelisted shop fields; balance, verification, email and bank details cannot be set here. */
export const updateSellerInfoInput = z.object({
  name: personName.optional(),
  description: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  address: requiredText(300).optional(),
  phoneNumber: phoneNumber.optional(),
  zipCode: zipCode.optional(),
  /** Flat shipping charged once per order of this shop, in major units. */
  shippingFee: moneyMajor.pipe(z.number().max(100_000, 'must be at most 1000')).optional(),
});

export async function updateSellerInfo(ctx: Ctx, shopId: string, raw: unknown): Promise<SellerDto> {
  const { shippingFee, ...input } = parseInput(updateSellerInfoInput, raw);
  await ctx.db
    .update(shops)
    .set({ ...input, ...(shippingFee !== undefined && { shippingFeeMinor: shippingFee }), updatedAt: ctx.clock.now() })
    .where(eq(shops.id, shopId));
  // Listings show the shop's name, description and address.
  onCommit(ctx.db, catalogChanged);
  return getSellerProfile(ctx, shopId);
}

export async function updateShopAvatar(ctx: Ctx, shopId: string, image: ImageUpload): Promise<SellerDto> {
  const [current] = await ctx.db.select({ avatar: shops.avatar }).from(shops).where(eq(shops.id, shopId));
  if (!current) throw notFound('Shop');
  const stored = await ctx.ports.media.put(image, 'shop-avatars');
  await ctx.db.update(shops).set({ avatar: stored, updatedAt: ctx.clock.now() }).where(eq(shops.id, shopId));
  onCommit(ctx.db, catalogChanged);
  if (current.avatar) await removeImageQuietly(ctx, current.avatar.public_id);
  return getSellerProfile(ctx, shopId);
}

export const withdrawMethodInput = z.object({
  withdrawMethod: z.object({
    bankName: requiredText(120),
    bankCountry: requiredText(80),
    bankSwiftCode: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, 'must be an 8 or 11 character SWIFT/BIC code'),
    bankAccountNumber: z
      .union([z.string(), z.number()])
      .transform((v) => String(v).replace(/\s+/g, ''))
      .pipe(z.string().regex(/^[A-Za-z0-9]{4,34}$/, 'must be 4–34 letters or digits (account number or IBAN)')),
    bankHolderName: requiredText(120),
    bankAddress: requiredText(300),
  }),
});

/** Sets where withdrawals are paid to. */
export async function setWithdrawMethod(ctx: Ctx, shopId: string, raw: unknown): Promise<SellerDto> {
  const { withdrawMethod } = parseInput(withdrawMethodInput, raw);
  await ctx.db.update(shops).set({ withdrawMethod, updatedAt: ctx.clock.now() }).where(eq(shops.id, shopId));
  return getSellerProfile(ctx, shopId);
}

export async function removeWithdrawMethod(ctx: Ctx, shopId: string): Promise<SellerDto> {
  await ctx.db.update(shops).set({ withdrawMethod: null, updatedAt: ctx.clock.now() }).where(eq(shops.id, shopId));
  return getSellerProfile(ctx, shopId);
}
