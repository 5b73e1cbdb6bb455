import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';
import { minorToMajor } from '../shared/money.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { shopAccounts, shopStages, type ShopStage } from './accounts.ts';
import { checkShopBooksReader } from './shop-reader.ts';
import { entryKindSql, transactionKinds, type TransactionKind } from './entry-kinds.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';

export const transactionDto = z.object({
  _id: idSchema('entry'),
  kind: z.enum(transactionKinds),
  account: z.enum(shopStages),
  amount: z.number(),
  /** The account's balance right after this entry. */
  balance: z.number(),
  /** The order (`ord_…`) or withdrawal (`wd_…`) it belongs to. */
  reference: z.string(),
  currency: z.string(),
  createdAt: isoTime,
});
export type TransactionDto = z.infer<typeof transactionDto>;

/**
 * A seller's ledger history, newest first: every movement of their money, why, and what it left
 * on that account. The running balance is summed over the account's entries in (time, id) order,
 * the order the list is shown in, so each row's balance is the one below it plus its amount.
 */
export async function shopTransactions(ctx: Ctx, rawShopId: string, raw: unknown): Promise<Page & { transactions: TransactionDto[] }> {
  const shopId = await checkShopBooksReader(ctx, rawShopId);
  const input = parseInput(pageInput, raw);
  const accounts = sql.join(
    shopAccounts(shopId).map((a) => sql`${a}`),
    sql`, `,
  );
  const [rows, [counted]] = await Promise.all([
    queryRows<{ id: string; kind: TransactionKind; account: string; amount: number; balance: number; ref: string; currency: string; created_at: Date | string }>(
      ctx.db,
      sql`SELECT e.id, ${entryKindSql} AS kind, e.account, e.amount_minor AS amount, j.ref, e.currency, e.created_at,
                 SUM(e.amount_minor) OVER (PARTITION BY e.account ORDER BY e.created_at, e.id)::bigint AS balance
          FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id
          WHERE e.account IN (${accounts})
          ORDER BY e.created_at DESC, e.id DESC
          LIMIT ${input.limit} OFFSET ${offsetOf(input)}`,
    ),
    queryRows<{ total: number }>(ctx.db, sql`SELECT COUNT(*)::bigint AS total FROM ledger_entries WHERE account IN (${accounts})`),
  ]);
  return {
    transactions: rows.map((r) => ({
      _id: r.id,
      kind: r.kind,
      account: r.account.split(':')[2] as ShopStage,
      amount: minorToMajor(Number(r.amount)),
      balance: minorToMajor(Number(r.balance)),
      reference: r.ref,
      currency: r.currency,
      createdAt: new Date(r.created_at).toISOString(),
    })),
    ...pageOf(Number(counted?.total ?? 0), input),
  };
}
