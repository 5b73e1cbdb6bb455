import { and, count, desc, eq, like } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { ledgerEntries, ledgerJournals } from '../db/schema/commerce.ts';
import { minorToMajor } from '../shared/money.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';

export interface TransactionDto {
  _id: string;
  kind: string;
  ref: string;
  account: 'pending' | 'available' | 'held' | 'paid_out';
  amount: number;
  currency: string;
  createdAt: string;
}

/** A seller's ledger history, newest first: every movement of their money and why. */
export async function shopTransactions(ctx: Ctx, shopId: string, raw: unknown): Promise<Page & { transactions: TransactionDto[] }> {
  const input = parseInput(pageInput, raw);
  const mine = like(ledgerEntries.account, `shop:${shopId}:%`);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db
      .select({ entry: ledgerEntries, kind: ledgerJournals.kind, ref: ledgerJournals.ref })
      .from(ledgerEntries)
      .innerJoin(ledgerJournals, eq(ledgerJournals.id, ledgerEntries.journalId))
      .where(and(mine))
      .orderBy(desc(ledgerEntries.createdAt), desc(ledgerEntries.id))
      .limit(input.limit)
      .offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(ledgerEntries).where(mine),
  ]);
  return {
    transactions: rows.map((r) => ({
      _id: r.entry.id,
      kind: r.kind,
      ref: r.ref,
      account: r.entry.account.split(':')[2] as TransactionDto['account'],
      amount: minorToMajor(r.entry.amountMinor),
      currency: r.entry.currency,
      createdAt: r.entry.createdAt.toISOString(),
    })),
    ...pageOf(total, input),
  };
}
