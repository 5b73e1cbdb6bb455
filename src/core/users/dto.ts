import type { Image, UserRole } from '../db/schema/index.ts';
import { userAddresses, users } from '../db/schema/index.ts';

type UserRow = typeof users.$inferSelect;
type AddressRow = typeof userAddresses.$inferSelect;

export interface AddressDto {
  _id: string;
  country: string;
  state: string | null;
  city: string;
  address1: string;
  address2: string | null;
  zipCode: string | null;
  addressType: string;
}

export interface UserDto {
  _id: string;
  name: string;
  email: string;
  phoneNumber: string | null;
  avatar: Image | null;
  role: UserRole;
  addresses: AddressDto[];
  createdAt: string;
  updatedAt: string;
}

export interface PublicUserDto {
  _id: string;
  name: string;
  avatar: Image | null;
  createdAt: string;
}

export const toAddressDto = (a: AddressRow): AddressDto => ({
  _id: a.id,
  country: a.country,
  state: a.state,
  city: a.city,
  address1: a.address1,
  address2: a.address2,
  zipCode: a.zipCode,
  addressType: a.addressType,
});

/** What the account owner (and admins) see. Never the password hash or session version. */
export const toUserDto = (u: UserRow, addresses: AddressRow[]): UserDto => ({
  _id: u.id,
  name: u.name,
  email: u.email,
  phoneNumber: u.phoneNumber,
  avatar: u.avatar,
  role: u.role,
  addresses: addresses.map(toAddressDto),
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});

/** What anyone may see of a buyer (a seller's inbox shows it). */
export const toPublicUserDto = (u: Pick<UserRow, 'id' | 'name' | 'avatar' | 'createdAt'>): PublicUserDto => ({
  _id: u.id,
  name: u.name,
  avatar: u.avatar,
  createdAt: u.createdAt.toISOString(),
});
