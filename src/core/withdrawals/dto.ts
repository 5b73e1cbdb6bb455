import { z } from 'zod';
import { withdrawMethodDto, type WithdrawMethod } from '../db/schema/index.ts';
import { withdrawalStatuses, type withdrawals } from '../db/schema/withdrawals.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';
import { minorToMajor } from '../shared/money.ts';

type WithdrawalRow = typeof withdrawals.$inferSelect;

/** An account number as every response and email shows it: its last four characters only. */
export const maskAccountNumber = (accountNumber: string): string => `****${accountNumber.slice(-4)}`;

export const maskedMethod = (m: WithdrawMethod): WithdrawMethod => ({ ...m, bankAccountNumber: maskAccountNumber(m.bankAccountNumber) });

/** A withdrawal as the seller and admins read it (`seller`, `amount`, `status` keep the storefront's shape). */
export const withdrawalDto = z.object({
  _id: idSchema('withdrawal'),
  seller: z.object({ _id: idSchema('shop'), name: z.string() }),
  shopId: idSchema('shop'),
  amount: z.number(),
  currency: z.string(),
  status: z.enum(withdrawalStatuses),
  withdrawMethod: withdrawMethodDto,
  reason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type WithdrawalDto = z.infer<typeof withdrawalDto>;

export function toWithdrawalDto(w: WithdrawalRow, shopName: string): WithdrawalDto {
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
