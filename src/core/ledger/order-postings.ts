import { platformAccount, shopAccount } from './accounts.ts';

export interface OrderMoney {
  shopId: string;
  totalMinor: number;
  feeMinor: number;
}

/**
 * A card order's payment: the buyer's money leaves clearing, the seller is owed the sale less the
 * platform's commission (two entries, as the seller's books show them), the commission is the fees'.
 */
export const orderPaidEntries = (o: OrderMoney) => [
  { account: platformAccount.clearing, amountMinor: -o.totalMinor },
  { account: shopAccount.pending(o.shopId), amountMinor: o.totalMinor },
  { account: shopAccount.pending(o.shopId), amountMinor: -o.feeMinor },
  { account: platformAccount.fees, amountMinor: o.feeMinor },
];

/** Its refund: the exact reverse, taken from wherever the seller's money now is (pending, or available once settled). */
export const orderRefundEntries = (o: OrderMoney, shopStage: 'pending' | 'available') => [
  { account: shopAccount[shopStage](o.shopId), amountMinor: -o.totalMinor },
  { account: shopAccount[shopStage](o.shopId), amountMinor: o.feeMinor },
  { account: platformAccount.fees, amountMinor: -o.feeMinor },
  { account: platformAccount.clearing, amountMinor: o.totalMinor },
];

/**
 * Journals that correct an order's postings after a reconciliation (`ref` is `<orderId>#<n>`, the
 * n-th correction of that side). They read on the seller's books as the postings they correct.
 */
export const correctionKinds = { paid: 'order-paid-correction', refund: 'order-refund-correction' } as const;
