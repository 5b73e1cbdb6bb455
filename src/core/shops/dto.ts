import type { Image, WithdrawMethod } from '../db/schema/index.ts';
import { shops } from '../db/schema/index.ts';
import { minorToMajor } from '../shared/money.ts';

type ShopRow = typeof shops.$inferSelect;

/** What the shop's own seller sees. `availableBalance` is a number in major units. */
export interface SellerDto {
  _id: string;
  name: string;
  email: string;
  phoneNumber: string;
  address: string;
  zipCode: string;
  description: string | null;
  avatar: Image | null;
  withdrawMethod: WithdrawMethod | null;
  availableBalance: number;
  shippingFee: number;
  role: 'Seller';
  createdAt: string;
  updatedAt: string;
}

/** What anyone sees of a shop: never bank details, balances, email or phone. */
export interface PublicShopDto {
  _id: string;
  name: string;
  description: string | null;
  avatar: Image | null;
  address: string;
  createdAt: string;
}

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
