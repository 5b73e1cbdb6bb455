import { sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';
import { newId } from '../shared/ids.ts';

export interface TransfersInput {
  kind: string;
  /**
   * The body of a CTE named `source` (it may claim rows: an `UPDATE … RETURNING`), at most `limit`
   * rows.
   */
  source: SQL;
  /** A `SELECT … FROM source` naming, per row: `ref`, `grp` (what totals are grouped by), `from_account`, `to_account`, `amount`. */
  transfers: SQL;
  limit: number;
}

export interface TransferTotals {
  grp: string;
  count: number;
  amountMinor: number;
}

/**
 * Posts one balanced journal per transfer row — `amount` from one account to another, keyed
 * (kind, ref) — in ONE statement with whatever `source` does: the journals, their entries and the
 * balance updates. A ref already posted is skipped (the journal key), entries and balances follow
 * only the journals actually written, and balances are updated in account order, as `postJournal`
 * locks them, so a batch never deadlocks with single postings. Returns the posted totals per `grp`.
 */
export async function postTransfers(ctx: Ctx, input: TransfersInput): Promise<TransferTotals[]> {
  const now = ctx.clock.now().toISOString();
  // Ids are made here like every other id (prefixed, time-sortable) and handed over as two lists,
  // numbered by unnest: indexing a text[] element by element would cost O(n) per access.
  const journalIds = Array.from({ length: input.limit }, () => newId('journal')).join(',');
  const entryIds = Array.from({ length: input.limit * 2 }, () => newId('entry')).join(',');
  const rows = await queryRows<{ grp: string; count: number; amount: number }>(
    ctx.db,
    sql`WITH source AS (${input.source}),
      t AS (SELECT x.*, (row_number() OVER (ORDER BY x.ref))::int AS i FROM (${input.transfers}) x),
      jids AS (SELECT id, i::int FROM unnest(string_to_array(${journalIds}::text, ',')) WITH ORDINALITY AS u(id, i)),
      eids AS (SELECT id, i::int FROM unnest(string_to_array(${entryIds}::text, ',')) WITH ORDINALITY AS u(id, i)),
      journals AS (
        INSERT INTO ledger_journals (id, kind, ref, created_at)
        SELECT jids.id, ${input.kind}::text, t.ref, ${now}::timestamptz FROM t JOIN jids ON jids.i = t.i
        ON CONFLICT (kind, ref) DO NOTHING
        RETURNING id, ref),
      posted AS (SELECT t.*, journals.id AS journal_id FROM t JOIN journals ON journals.ref = t.ref),
      entries AS (
        INSERT INTO ledger_entries (id, journal_id, account, amount_minor, currency, created_at)
        SELECT eids.id, p.journal_id, p.from_account, -p.amount, ${ctx.config.currency}::text, ${now}::timestamptz
          FROM posted p JOIN eids ON eids.i = 2 * p.i - 1 WHERE p.amount <> 0
        UNION ALL
        SELECT eids.id, p.journal_id, p.to_account, p.amount, ${ctx.config.currency}::text, ${now}::timestamptz
          FROM posted p JOIN eids ON eids.i = 2 * p.i WHERE p.amount <> 0),
      balances AS (
        INSERT INTO ledger_balances (account, balance_minor, updated_at)
        SELECT m.account, SUM(m.amount), ${now}::timestamptz
        FROM (SELECT from_account AS account, -amount AS amount FROM posted WHERE amount <> 0
              UNION ALL SELECT to_account, amount FROM posted WHERE amount <> 0) m
        GROUP BY m.account
        ORDER BY m.account
        ON CONFLICT (account) DO UPDATE
          SET balance_minor = ledger_balances.balance_minor + EXCLUDED.balance_minor, updated_at = EXCLUDED.updated_at)
    SELECT grp, COUNT(*)::bigint AS count, COALESCE(SUM(amount), 0)::bigint AS amount FROM posted GROUP BY grp ORDER BY grp`,
  );
  return rows.map((r) => ({ grp: r.grp, count: Number(r.count), amountMinor: Number(r.amount) }));
}
