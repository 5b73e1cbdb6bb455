import { z } from 'zod';
import { imageDto, userAddresses, userRoles, users } from '../db/schema/index.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';

type UserRow = typeof users.$inferSelect;
type AddressRow = typeof userAddresses.$inferSelect;
/** What an address DTO is made from. */
export type AddressFields = Omit<AddressRow, 'userId' | 'createdAt'>;

export const addressDto = z.object({
  _id: idSchema('address'),
  country: z.string(),
  state: z.string().nullable(),
  city: z.string(),
  address1: z.string(),
  address2: z.string().nullable(),
  zipCode: z.string().nullable(),
  addressType: z.string(),
});
export type AddressDto = z.infer<typeof addressDto>;

export const userDto = z.object({
  _id: idSchema('user'),
  name: z.string(),
  email: z.string(),
  phoneNumber: z.string().nullable(),
  avatar: imageDto.nullable(),
  role: z.enum(userRoles),
  addresses: z.array(addressDto),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type UserDto = z.infer<typeof userDto>;

export const publicUserDto = z.object({
  _id: idSchema('user'),
  name: z.string(),
  avatar: imageDto.nullable(),
  createdAt: isoTime,
});
export type PublicUserDto = z.infer<typeof publicUserDto>;

export const toAddressDto = (a: AddressFields): AddressDto => ({
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
export const toUserDto = (
  u: Pick<UserRow, 'id' | 'name' | 'email' | 'phoneNumber' | 'avatar' | 'role' | 'createdAt' | 'updatedAt'>,
  addresses: AddressFields[],
): UserDto => ({
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
