import { sql, type SQL } from 'drizzle-orm';

/** The stages of a seller's money, in the order it moves through them. */
export const shopStages = ['pending', 'available', 'held', 'paid_out'] as const;
export type ShopStage = (typeof shopStages)[number];

/** Ledger account names. Seller accounts hold what the platform owes the seller, by stage. */
export const shopAccount = {
  pending: (shopId: string) => `shop:${shopId}:pending`,
  available: (shopId: string) => `shop:${shopId}:available`,
  held: (shopId: string) => `shop:${shopId}:held`,
  paidOut: (shopId: string) => `shop:${shopId}:paid_out`,
};

/** Every stage account of one shop, sorted (the order balance rows are locked in). */
export const shopAccounts = (shopId: string): string[] => shopStages.map((stage) => `shop:${shopId}:${stage}`).sort();

/** The same names built in SQL from a shop id column, for set-based postings. */
export const shopAccountSql = (stage: ShopStage, shopId: SQL): SQL => sql`'shop:' || ${shopId} || ${`:${stage}`}`;

export const platformAccount = {
  /** Money received from buyers through the payment provider, less what went back out (negative = held cash). */
  clearing: 'platform:clearing',
  fees: 'platform:fees',
} as const;
