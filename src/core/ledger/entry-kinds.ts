import { sql, type SQL } from 'drizzle-orm';

/** What a seller's books call a movement of their money. */
export const transactionKinds = [
  'sale',
  'commission',
  'settlement',
  'refund',
  'withdrawal-held',
  'withdrawal-paid',
  'withdrawal-released',
] as const;
export type TransactionKind = (typeof transactionKinds)[number];

/**
 * How each journal kind reads on a seller's accounts. A card payment credits the sale and debits
 * the commission on pending; a refund debits the sale back and credits the commission back.
 */
const journalReadings: Record<string, { credit: TransactionKind; debit: TransactionKind }> = {
  'order-paid': { credit: 'sale', debit: 'commission' },
  'order-refund': { credit: 'commission', debit: 'refund' },
  'order-paid-correction': { credit: 'sale', debit: 'commission' },
  'order-refund-correction': { credit: 'commission', debit: 'refund' },
  'cod-fee': { credit: 'commission', debit: 'commission' },
  'cod-fee-reversal': { credit: 'commission', debit: 'commission' },
  settlement: { credit: 'settlement', debit: 'settlement' },
  'withdrawal-held': { credit: 'withdrawal-held', debit: 'withdrawal-held' },
  'withdrawal-paid': { credit: 'withdrawal-paid', debit: 'withdrawal-paid' },
  'withdrawal-released': { credit: 'withdrawal-released', debit: 'withdrawal-released' },
};

/**
 * Journal kinds that may take a seller's available balance below zero: that shortfall is their debt.
 * A reconciliation's correction of a refund may too, as the refund it corrects does.
 */
export const debtJournalKinds = ['order-refund', 'cod-fee', 'order-refund-correction'] as const;

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The seller-facing kind of ledger entry `e` of journal `j` (the aliases the queries use). The
 * readings are constants of this file, so the CASE is one fixed text without parameters.
 */
export const entryKindSql: SQL = sql.raw(
  `CASE j.kind ${Object.entries(journalReadings)
    .map(([kind, r]) =>
      r.credit === r.debit
        ? `WHEN ${quote(kind)} THEN ${quote(r.credit)}`
        : `WHEN ${quote(kind)} THEN CASE WHEN e.amount_minor >= 0 THEN ${quote(r.credit)} ELSE ${quote(r.debit)} END`,
    )
    .join(' ')} ELSE j.kind END`,
);
