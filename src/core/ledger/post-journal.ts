import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { ledgerEntries, ledgerJournals } from '../db/schema/commerce.ts';
import { newId } from '../shared/ids.ts';

export interface JournalInput {
  /** What happened (`order-paid`, `order-refund`, `settlement`, …); with `ref`, a posting's identity. */
  kind: string;
  ref: string;
  memo?: string;
  entries: { account: string; amountMinor: number }[];
}

/**
 * Posts a balanced journal once. Runs in the caller's transaction; a second posting with the same
 * (kind, ref) is a no-op and returns false, so retried flows never double-count.
 */
export async function postJournal(ctx: Ctx, input: JournalInput): Promise<boolean> {
  const entries = input.entries.filter((e) => e.amountMinor !== 0);
  const sum = entries.reduce((a, e) => a + e.amountMinor, 0);
  if (sum !== 0 || entries.some((e) => !Number.isSafeInteger(e.amountMinor)))
    throw new Error(`unbalanced journal ${input.kind}/${input.ref}: entries sum to ${sum}`);
  const now = ctx.clock.now();
  const journalId = newId('journal');
  const inserted = await ctx.db
    .insert(ledgerJournals)
    .values({ id: journalId, kind: input.kind, ref: input.ref, memo: input.memo ?? null, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: ledgerJournals.id });
  if (inserted.length === 0) return false;
  if (entries.length === 0) return true;
  await ctx.db.insert(ledgerEntries).values(
    entries.map((e) => ({
      id: newId('entry'),
      journalId,
      account: e.account,
      amountMinor: e.amountMinor,
      currency: ctx.config.currency,
      createdAt: now,
    })),
  );
  // Accounts in a fixed order so two postings touching the same balances never deadlock.
  const byAccount = new Map<string, number>();
  for (const e of entries) byAccount.set(e.account, (byAccount.get(e.account) ?? 0) + e.amountMinor);
  const rows = [...byAccount].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await ctx.db.execute(sql`
    INSERT INTO ledger_balances (account, balance_minor, updated_at)
    VALUES ${sql.join(
      rows.map(([account, amount]) => sql`(${account}, ${amount}, ${now})`),
      sql`, `,
    )}
    ON CONFLICT (account) DO UPDATE
      SET balance_minor = ledger_balances.balance_minor + EXCLUDED.balance_minor, updated_at = EXCLUDED.updated_at`);
  return true;
}
