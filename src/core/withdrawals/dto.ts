import type { WithdrawMethod } from '../db/schema/index.ts';
import type { withdrawals } from '../db/schema/withdrawals.ts';
import { minorToMajor } from '../shared/money.ts';

type WithdrawalRow = typeof withdrawals.$inferSelect;

/** An account number as every response and email shows it: its last four characters only. */
export const maskAccountNumber = (accountNumber: string): string => `****${accountNumber.slice(-4)}`;

export const maskedMethod = (m: WithdrawMethod): WithdrawMethod => ({ ...m, bankAccountNumber: maskAccountNumber(m.bankAccountNumber) });

/** A withdrawal as the seller and admins read it (`seller`, `amount`, `status` keep the storefront's shape). */
export function toWithdrawalDto(w: WithdrawalRow, shopName: string) {
  return {
    _id: w.id,
    seller: { _id: w.shopId, name: shopName },
    shopId: w.shopId,
    amount: minorToMajor(w.amountMinor),
    currency: w.currency,
    status: w.status,
    withdrawMethod: maskedMethod(w.method),
    reason: w.reason,
    decidedBy: w.decidedBy,
    decidedAt: w.decidedAt?.toISOString() ?? null,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}
export type WithdrawalDto = ReturnType<typeof toWithdrawalDto>;
