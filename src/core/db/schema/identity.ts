import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt, type Image } from './columns.ts';

/** Columns every sign-in account (buyer or shop) carries; the session and ban rules read them. */
const accountState = () => ({
  // Bumped on password change / reset: tokens carrying an older version stop working.
  sessionVersion: integer('session_version').notNull().default(0),
  bannedAt: tsz('banned_at'),
  banReason: text('ban_reason'),
  deletedAt: tsz('deleted_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const userRoles = ['User', 'Admin'] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash'),
    phoneNumber: text('phone_number'),
    avatar: jsonb('avatar').$type<Image>(),
    role: text('role').$type<UserRole>().notNull().default('User'),
    ...accountState(),
  },
  (t) => [
    uniqueIndex('users_email_live_uq').on(t.email).where(sql`${t.deletedAt} IS NULL`),
    check('users_role_ck', sql`${t.role} IN ('User', 'Admin')`),
  ],
);

export const userAddresses = pgTable(
  'user_addresses',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    country: text('country').notNull(),
    state: text('state'),
    city: text('city').notNull(),
    address1: text('address1').notNull(),
    address2: text('address2'),
    zipCode: text('zip_code'),
    addressType: text('address_type').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('user_addresses_user_idx').on(t.userId)],
);

/** External sign-in identities. Azure AD users are keyed by tenant + object id, never by email. */
export const userIdentities = pgTable(
  'user_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('user_identities_user_idx').on(t.userId)],
);

export const withdrawMethodDto = z.object({
  bankName: z.string(),
  bankCountry: z.string(),
  bankSwiftCode: z.string(),
  bankAccountNumber: z.string(),
  bankHolderName: z.string(),
  bankAddress: z.string(),
});
export type WithdrawMethod = z.infer<typeof withdrawMethodDto>;

export const shops = pgTable(
  'shops',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    phoneNumber: text('phone_number').notNull(),
    address: text('address').notNull(),
    zipCode: text('zip_code').notNull(),
    description: text('description'),
    avatar: jsonb('avatar').$type<Image>(),
    withdrawMethod: jsonb('withdraw_method').$type<WithdrawMethod>(),
    /** Flat shipping charged once per order of this shop. */
    shippingFeeMinor: bigint('shipping_fee_minor', { mode: 'number' }).notNull().default(0),
    /** Commission override in basis points; null means PLATFORM_FEE_BPS. */
    feeBps: integer('fee_bps'),
    ...accountState(),
  },
  (t) => [
    uniqueIndex('shops_email_live_uq').on(t.email).where(sql`${t.deletedAt} IS NULL`),
    // The closed and banned shops (normally none): public lists anti-join them (fromLiveShop) through this
    // instead of reading every shop row per query.
    index('shops_off_idx').on(t.id).where(sql`${t.deletedAt} IS NOT NULL OR ${t.bannedAt} IS NOT NULL`),
    check('shops_shipping_fee_ck', sql`${t.shippingFeeMinor} >= 0`),
    check('shops_fee_bps_ck', sql`${t.feeBps} IS NULL OR (${t.feeBps} >= 0 AND ${t.feeBps} <= 10000)`),
  ],
);

export const accountKinds = ['user', 'shop'] as const;
export type AccountKind = (typeof accountKinds)[number];

/**
 * A sign-up waiting for its email to be confirmed. The account row is created only on activation,
 * so an unconfirmed sign-up never blocks or takes over the address.
 */
export const pendingRegistrations = pgTable('pending_registrations', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<AccountKind>().notNull(),
  email: text('email').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

export const tokenPurposes = ['activate', 'reset-password'] as const;
export type TokenPurpose = (typeof tokenPurposes)[number];

/** Single-use emailed tokens; only an HMAC of the token is stored. */
export const verificationTokens = pgTable(
  'verification_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    purpose: text('purpose').$type<TokenPurpose>().notNull(),
    kind: text('kind').$type<AccountKind>().notNull(),
    subjectId: text('subject_id').notNull(),
    expiresAt: tsz('expires_at').notNull(),
    usedAt: tsz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('verification_tokens_subject_idx').on(t.subjectId), index('verification_tokens_expires_idx').on(t.expiresAt)],
);


/**
 * Sessions ended before their token expires (logout), by the token's id (`jti`). Every signed-in
 * request checks its session against this table in the same read as its account; a row is useless
 * once the token it names has expired, and is removed after that.
 */
export const endedSessions = pgTable(
  'ended_sessions',
  {
    sessionId: text('session_id').primaryKey(),
    kind: text('kind').$type<AccountKind>().notNull(),
    accountId: text('account_id').notNull(),
    expiresAt: tsz('expires_at').notNull(),
    endedAt: tsz('ended_at').notNull().defaultNow(),
  },
  (t) => [index('ended_sessions_expires_idx').on(t.expiresAt)],
);
