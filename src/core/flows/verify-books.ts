import type { Ctx } from '../context.ts';
import { stageBalances, verifyLedger, type LedgerReport } from '../ledger/index.ts';
import { withdrawalTotals } from '../withdrawals/index.ts';

export interface BooksReport extends LedgerReport {
  /** Shops whose held balance is not the sum of their `Processing` withdrawals. */
  heldMismatch: { shopId: string; heldMinor: number; processingMinor: number }[];
  /** Shops whose paid-out balance is not the sum of their `succeed` withdrawals. */
  paidOutMismatch: { shopId: string; paidOutMinor: number; succeedMinor: number }[];
}

/**
 * `mvshop ledger verify`: the ledger's own checks (every journal sums to zero, stored balances equal
 * their entries, no available balance below zero beyond its debt) and the withdrawals beside it:
 * held = Σ Processing, paid out = Σ succeed, per shop.
 */
export async function verifyBooks(ctx: Ctx): Promise<BooksReport> {
  const [ledger, totals, held, paidOut] = await Promise.all([
    verifyLedger(ctx),
    withdrawalTotals(ctx),
    stageBalances(ctx, 'held'),
    stageBalances(ctx, 'paid_out'),
  ]);
  const shopIds = [...new Set([...totals.keys(), ...held.keys(), ...paidOut.keys()])].sort();
  const heldMismatch: BooksReport['heldMismatch'] = [];
  const paidOutMismatch: BooksReport['paidOutMismatch'] = [];
  for (const shopId of shopIds) {
    const t = totals.get(shopId) ?? { processingMinor: 0, succeedMinor: 0 };
    const h = held.get(shopId) ?? 0;
    const p = paidOut.get(shopId) ?? 0;
    if (h !== t.processingMinor) heldMismatch.push({ shopId, heldMinor: h, processingMinor: t.processingMinor });
    if (p !== t.succeedMinor) paidOutMismatch.push({ shopId, paidOutMinor: p, succeedMinor: t.succeedMinor });
  }
  return { ...ledger, ok: ledger.ok && heldMismatch.length === 0 && paidOutMismatch.length === 0, heldMismatch, paidOutMismatch };
}
