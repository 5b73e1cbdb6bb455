import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';
import { debtJournalKinds } from './entry-kinds.ts';

export interface LedgerReport {
  ok: boolean;
  journals: number;
  entries: number;
  unbalancedJournals: { journalId: string; kind: string; ref: string; sumMinor: number }[];
  balanceDrift: { account: string; storedMinor: number; computedMinor: number }[];
  /**
   * Seller available balances below zero by more than the refunds and cash commissions booked on
   * them: only those may create debt; a withdrawal never takes available below zero.
   */
  negativeWithoutDebt: { account: string; availableMinor: number; debtMinor: number }[];
  /** Sum over every entry: zero when the books balance. */
  totalMinor: number;
}

/**
 * Recomputes every balance from the entries and reports any journal or balance that does not add
 * up, and any seller balance that went negative by more than its debt.
 */
export async function verifyLedger(ctx: Ctx): Promise<LedgerReport> {
  const unbalanced = await queryRows<{ journal_id: string; kind: string; ref: string; sum: number }>(
    ctx.db,
    sql`SELECT j.id AS journal_id, j.kind, j.ref, SUM(e.amount_minor)::bigint AS sum
        FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
        GROUP BY j.id HAVING SUM(e.amount_minor) <> 0`,
  );
  const drift = await queryRows<{ account: string; stored: number; computed: number }>(
    ctx.db,
    sql`SELECT COALESCE(b.account, c.account) AS account,
               COALESCE(b.balance_minor, 0)::bigint AS stored, COALESCE(c.sum, 0)::bigint AS computed
        FROM ledger_balances b
        FULL OUTER JOIN (SELECT account, SUM(amount_minor) AS sum FROM ledger_entries GROUP BY account) c
          ON c.account = b.account
        WHERE COALESCE(b.balance_minor, 0) <> COALESCE(c.sum, 0)`,
  );
  const debtKinds = sql.join(
    debtJournalKinds.map((k) => sql`${k}`),
    sql`, `,
  );
  // Each withdrawal hold needed available ≥ its amount, so only debt postings can leave it below zero.
  const overdrawn = await queryRows<{ account: string; available: number; debt: number }>(
    ctx.db,
    sql`SELECT account, available, debt FROM (
          SELECT e.account, SUM(e.amount_minor)::bigint AS available,
                 (-COALESCE(SUM(e.amount_minor) FILTER (WHERE j.kind IN (${debtKinds})), 0))::bigint AS debt
          FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id
          WHERE e.account LIKE 'shop:%:available'
          GROUP BY e.account) a
        WHERE available < 0 AND -available > debt`,
  );
  const [totals] = await queryRows<{ journals: number; entries: number; total: number }>(
    ctx.db,
    sql`SELECT (SELECT COUNT(*) FROM ledger_journals)::bigint AS journals,
               (SELECT COUNT(*) FROM ledger_entries)::bigint AS entries,
               (SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entries)::bigint AS total`,
  );
  const total = Number(totals?.total ?? 0);
  return {
    ok: unbalanced.length === 0 && drift.length === 0 && overdrawn.length === 0 && total === 0,
    journals: Number(totals?.journals ?? 0),
    entries: Number(totals?.entries ?? 0),
    unbalancedJournals: unbalanced.map((u) => ({ journalId: u.journal_id, kind: u.kind, ref: u.ref, sumMinor: Number(u.sum) })),
    balanceDrift: drift.map((d) => ({ account: d.account, storedMinor: Number(d.stored), computedMinor: Number(d.computed) })),
    negativeWithoutDebt: overdrawn.map((o) => ({ account: o.account, availableMinor: Number(o.available), debtMinor: Number(o.debt) })),
    totalMinor: total,
  };
}
