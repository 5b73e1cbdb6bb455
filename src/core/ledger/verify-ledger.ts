import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';

export interface LedgerReport {
  ok: boolean;
  journals: number;
  entries: number;
  unbalancedJournals: { journalId: string; kind: string; ref: string; sumMinor: number }[];
  balanceDrift: { account: string; storedMinor: number; computedMinor: number }[];
  /** Sum over every entry: zero when the books balance. */
  totalMinor: number;
}

/** Recomputes every balance from the entries and reports any journal or balance that does not add up. */
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
  const [totals] = await queryRows<{ journals: number; entries: number; total: number }>(
    ctx.db,
    sql`SELECT (SELECT COUNT(*) FROM ledger_journals)::bigint AS journals,
               (SELECT COUNT(*) FROM ledger_entries)::bigint AS entries,
               (SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entries)::bigint AS total`,
  );
  const total = Number(totals?.total ?? 0);
  return {
    ok: unbalanced.length === 0 && drift.length === 0 && total === 0,
    journals: Number(totals?.journals ?? 0),
    entries: Number(totals?.entries ?? 0),
    unbalancedJournals: unbalanced.map((u) => ({ journalId: u.journal_id, kind: u.kind, ref: u.ref, sumMinor: Number(u.sum) })),
    balanceDrift: drift.map((d) => ({ account: d.account, storedMinor: Number(d.stored), computedMinor: Number(d.computed) })),
    totalMinor: total,
  };
}
