import { z } from 'zod';
import { imageDto, shops, withdrawMethodDto } from '../db/schema/index.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';

type ShopRow = typeof shops.$inferSelect;

/** What the shop's own seller sees. `availableBalance` is a number in major units. */
export const sellerDto = z.object({
  _id: idSchema('shop'),
  name: z.string(),
  email: z.string(),
  phoneNumber: z.string(),
  address: z.string(),
  zipCode: z.string(),
  description: z.string().nullable(),
  avatar: imageDto.nullable(),
  withdrawMethod: withdrawMethodDto.nullable(),
  availableBalance: z.number(),
  shippingFee: z.number(),
  role: z.literal('Seller'),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type SellerDto = z.infer<typeof sellerDto>;

/** What anyone sees of a shop: never bank details, balances, email or phone. */
export const publicShopDto = z.object({
  _id: idSchema('shop'),
  name: z.string(),
  description: z.string().nullable(),
  avatar: imageDto.nullable(),
  address: z.string(),
  createdAt: isoTime,
});
export type PublicShopDto = z.infer<typeof publicShopDto>;

export const toSellerDto = (s: ShopRow, availableBalanceMinor: number): SellerDto => ({
  _id: s.id,
  name: s.name,
  email: s.email,
  phoneNumber: s.phoneNumber,
  address: s.address,
  zipCode: s.zipCode,
  description: s.description,
  avatar: s.avatar,
  withdrawMethod: s.withdrawMethod,
  availableBalance: minorToMajor(availableBalanceMinor),
  shippingFee: minorToMajor(s.shippingFeeMinor),
  role: 'Seller',
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

export const toPublicShopDto = (
  s: Pick<ShopRow, 'id' | 'name' | 'description' | 'avatar' | 'address' | 'createdAt'>,
): PublicShopDto => ({
  _id: s.id,
  name: s.name,
  description: s.description,
  avatar: s.avatar,
  address: s.address,
  createdAt: s.createdAt.toISOString(),
});
