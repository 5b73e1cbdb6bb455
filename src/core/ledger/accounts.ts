/** Ledger account names. Seller accounts hold what the platform owes the seller, by stage. */
export const shopAccount = {
  pending: (shopId: string) => `shop:${shopId}:pending`,
  available: (shopId: string) => `shop:${shopId}:available`,
  held: (shopId: string) => `shop:${shopId}:held`,
  paidOut: (shopId: string) => `shop:${shopId}:paid_out`,
};

export const platformAccount = {
  /** Money received from buyers through the payment provider, less what went back out (negative = held cash). */
  clearing: 'platform:clearing',
  fees: 'platform:fees',
} as const;
