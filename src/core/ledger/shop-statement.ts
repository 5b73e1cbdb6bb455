import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';
import { formatMinor, minorToMajor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { shopAccounts, type ShopStage } from './accounts.ts';
import { entryKindSql, type TransactionKind } from './entry-kinds.ts';
import { checkShopBooksReader } from './shop-reader.ts';

export const shopStatementInput = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM'),
});

/** Amounts per account; `balance` is what the platform owes the seller: pending + available + on hold. */
interface Amounts {
  pending: number;
  available: number;
  onHold: number;
  paidOut: number;
  balance: number;
}

const lineNames = ['sales', 'commission', 'refunds', 'settlements', 'withdrawals'] as const;
type LineName = (typeof lineNames)[number];

const lineOf: Record<TransactionKind, LineName> = {
  sale: 'sales',
  commission: 'commission',
  refund: 'refunds',
  settlement: 'settlements',
  'withdrawal-held': 'withdrawals',
  'withdrawal-paid': 'withdrawals',
  'withdrawal-released': 'withdrawals',
};

const fieldOf: Record<ShopStage, Exclude<keyof Amounts, 'balance'>> = {
  pending: 'pending',
  available: 'available',
  held: 'onHold',
  paid_out: 'paidOut',
};

const zero = (): Amounts => ({ pending: 0, available: 0, onHold: 0, paidOut: 0, balance: 0 });

function add(to: Amounts, stage: ShopStage, minor: number): void {
  to[fieldOf[stage]] += minor;
  if (stage !== 'paid_out') to.balance += minor;
}

interface StatementMinor {
  shopId: string;
  month: string;
  from: Date;
  to: Date;
  opening: Amounts;
  lines: Record<LineName, Amounts>;
  closing: Amounts;
}

/**
 * One month (UTC) of a seller's books, from the ledger alone: the balances at its start, every
 * movement of the month by line, the balances at its end. Every column reconciles: opening plus
 * the lines equals closing, per account and for the balance owed (settlements and withdrawal holds
 * move money between accounts, so only sales, commission, refunds and paid withdrawals change it).
 */
async function statementMinor(ctx: Ctx, rawShopId: string, raw: unknown): Promise<StatementMinor> {
  const shopId = await checkShopBooksReader(ctx, rawShopId);
  const { month } = parseInput(shopStatementInput, raw);
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const from = new Date(Date.UTC(year, mon - 1, 1));
  const to = new Date(Date.UTC(year, mon, 1));
  const accounts = sql.join(
    shopAccounts(shopId).map((a) => sql`${a}`),
    sql`, `,
  );
  const rows = await queryRows<{ account: string; kind: TransactionKind; before: number | null; during: number | null }>(
    ctx.db,
    sql`SELECT e.account, ${entryKindSql} AS kind,
               SUM(e.amount_minor) FILTER (WHERE e.created_at < ${from.toISOString()}::timestamptz)::bigint AS before,
               SUM(e.amount_minor) FILTER (WHERE e.created_at >= ${from.toISOString()}::timestamptz)::bigint AS during
        FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id
        WHERE e.account IN (${accounts}) AND e.created_at < ${to.toISOString()}::timestamptz
        GROUP BY 1, 2`,
  );
  const opening = zero();
  const lines = Object.fromEntries(lineNames.map((n) => [n, zero()])) as Record<LineName, Amounts>;
  const closing = zero();
  for (const r of rows) {
    const stage = r.account.split(':')[2] as ShopStage;
    const before = Number(r.before ?? 0);
    const during = Number(r.during ?? 0);
    add(opening, stage, before);
    add(closing, stage, before + during);
    // Every journal kind that touches a seller account has a reading (entry-kinds.ts); one added
    // without a reading would still count in opening and closing, and show as a gap in the lines.
    const line = lineOf[r.kind];
    if (line) add(lines[line], stage, during);
  }
  return { shopId, month, from, to, opening, lines, closing };
}

const major = (a: Amounts) => ({
  pending: minorToMajor(a.pending),
  available: minorToMajor(a.available),
  onHold: minorToMajor(a.onHold),
  paidOut: minorToMajor(a.paidOut),
  balance: minorToMajor(a.balance),
});

/** The seller's statement for a month, in major units (`GET /shop/statement`). */
export async function shopStatement(ctx: Ctx, shopId: string, raw: unknown) {
  const s = await statementMinor(ctx, shopId, raw);
  const withDebt = (a: Amounts) => ({ ...major(a), debt: minorToMajor(Math.max(-a.available, 0)) });
  return {
    shopId: s.shopId,
    month: s.month,
    from: s.from.toISOString(),
    to: s.to.toISOString(),
    currency: ctx.config.currency,
    opening: withDebt(s.opening),
    ...(Object.fromEntries(lineNames.map((n) => [n, major(s.lines[n])])) as Record<LineName, ReturnType<typeof major>>),
    closing: withDebt(s.closing),
  };
}
export type StatementDto = Awaited<ReturnType<typeof shopStatement>>;

/** The same statement as CSV: one row per line, one column per account, amounts with two decimals. */
export async function shopStatementCsv(ctx: Ctx, shopId: string, raw: unknown): Promise<string> {
  const s = await statementMinor(ctx, shopId, raw);
  const row = (name: string, a: Amounts) =>
    [s.month, ctx.config.currency, name, ...[a.pending, a.available, a.onHold, a.paidOut, a.balance].map(formatMinor)].join(',');
  return [
    'month,currency,line,pending,available,on_hold,paid_out,balance',
    row('opening', s.opening),
    ...lineNames.map((n) => row(n, s.lines[n])),
    row('closing', s.closing),
  ].join('\n') + '\n';
}
