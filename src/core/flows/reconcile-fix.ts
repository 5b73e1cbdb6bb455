import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { isAdmin, type Ctx } from '../context.ts';
import { queryRows, withTx } from '../db/index.ts';
import { correctionKinds, orderPaidEntries, orderRefundEntries, postJournal, shopAccount, type JournalInput } from '../ledger/index.ts';
import { conflict, forbidden } from '../shared/errors.ts';
import { requiredReason } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';
import type { Finding, FindingKind, ReconciliationReport } from './reconcile-report.ts';

/** One finding and what corrects it: ledger journals, or (when the ledger is not the wrong side) an operator at Stripe. */
export interface FixPlanItem {
  finding: Finding;
  /** Journals that bring the ledger in line with Stripe and the orders; posted by `applyLedgerFixes`. */
  journals: (JournalInput & { orderId: string })[];
  /** What an operator must do instead, when no journal can correct it. */
  operator: string | null;
}

export interface FixPlan {
  since: string;
  items: FixPlanItem[];
}

/** What needs a person rather than a journal: the ledger agrees with the orders, so the difference is with Stripe. */
const operatorAction: Record<FindingKind, string> = {
  'orphan-at-stripe': 'Money moved at Stripe that mvshop did not ask for: identify it in the Stripe dashboard, then refund it there or match it to a buyer.',
  'missing-at-stripe': 'mvshop recorded money that Stripe does not list: look the payment or refund up at Stripe before changing anything.',
  'status-differs': 'Stripe and mvshop disagree on a status: `mvshop payments reconcile` moves checkouts and refunds to what Stripe says; if it does not, check at Stripe.',
  'amount-differs': 'Stripe moved a different amount than the orders say: settle the difference at Stripe (refund or collect it), then run the report again.',
  'missing-in-ledger': 'The ledger side could not be rebuilt from the orders: check the order by hand.',
  'balance-differs': "Stripe's balance does not show the money this payment or refund moved: check its balance transactions in the Stripe dashboard.",
};

type Side = keyof typeof correctionKinds;
const mainKind: Record<Side, string> = { paid: 'order-paid', refund: 'order-refund' };

/**
 * The journal that makes one side (payment or refund) of a card order's postings what its order
 * says, or null when it already is. A side never posted gets its missing posting itself (so every
 * reader of `order-paid`/`order-refund` sees it); a side posted wrongly gets a correction journal
 * for the difference, the n-th one keyed `<orderId>#<n>`. Amounts are compared per account, with
 * the seller's stages taken together, as settlement moves money between them. The payment side is
 * corrected on pending whatever happened since: settlement moves the order's net out of pending
 * whatever was booked. The refund side goes where the refund took it (available once settled).
 */
async function sideCorrection(ctx: Ctx, orderId: string, side: Side, memo: string): Promise<(JournalInput & { orderId: string }) | null> {
  const [o] = await queryRows<{ shop_id: string; total: number; fee: number; refunded: boolean; settled: boolean; has_main: boolean; corrections: number }>(
    ctx.db,
    sql`SELECT o.shop_id, o.total_minor::float8 AS total, o.platform_fee_minor::float8 AS fee,
               EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded') AS refunded,
               EXISTS (SELECT 1 FROM ledger_journals j WHERE j.kind = 'settlement' AND j.ref = o.id) AS settled,
               EXISTS (SELECT 1 FROM ledger_journals j WHERE j.kind = ${mainKind[side]} AND j.ref = o.id) AS has_main,
               (SELECT count(*) FROM ledger_journals j WHERE j.kind = ${correctionKinds[side]} AND starts_with(j.ref, o.id || '#'))::int AS corrections
        FROM orders o WHERE o.id = ${orderId} AND o.payment_type = 'Credit Card'`,
  );
  if (!o) return null;
  const money = { shopId: o.shop_id, totalMinor: o.total, feeMinor: o.fee };
  const stage = side === 'refund' && o.settled ? 'available' : 'pending';
  const expected = side === 'paid' ? orderPaidEntries(money) : o.refunded ? orderRefundEntries(money, stage) : [];
  if (!o.has_main && o.corrections === 0)
    return expected.length ? { orderId, kind: mainKind[side], ref: orderId, memo, entries: expected } : null;

  const booked = await queryRows<{ account: string; amount: number }>(
    ctx.db,
    sql`SELECT e.account, sum(e.amount_minor)::float8 AS amount
        FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
        WHERE (j.kind = ${mainKind[side]} AND j.ref = ${orderId}) OR (j.kind = ${correctionKinds[side]} AND starts_with(j.ref, ${`${orderId}#`}))
        GROUP BY e.account`,
  );
  const shopPrefix = `shop:${o.shop_id}:`;
  const target = (account: string) => (account.startsWith(shopPrefix) ? shopAccount[stage](o.shop_id) : account);
  const diff = new Map<string, number>();
  const add = (account: string, amount: number) => diff.set(target(account), (diff.get(target(account)) ?? 0) + amount);
  for (const e of expected) add(e.account, e.amountMinor);
  for (const b of booked) add(b.account, -b.amount);
  // Fixed order, so the plan reads the same every time and compares equal when applied.
  const entries = [...diff].filter(([, amount]) => amount !== 0).sort(([a], [b]) => (a < b ? -1 : 1)).map(([account, amountMinor]) => ({ account, amountMinor }));
  if (entries.length === 0) return null;
  return { orderId, kind: correctionKinds[side], ref: `${orderId}#${o.corrections + 1}`, memo, entries };
}

/**
 * The journals that would correct the ledger side of each finding, and for every other finding
 * what an operator must do at Stripe. Read-only. Only findings where Stripe and the orders agree
 * and the ledger alone differs (`ledgerSide`) get journals: the ledger is made to match the orders.
 */
export async function planLedgerFixes(ctx: Ctx, report: ReconciliationReport): Promise<FixPlan> {
  const items: FixPlanItem[] = [];
  for (const finding of report.findings) {
    const journals: FixPlanItem['journals'] = [];
    if (finding.ledgerSide) {
      const side: Side = finding.refundId ? 'refund' : 'paid';
      const memo = `reconciliation: ${finding.kind} ${finding.stripeId ?? ''}`.trim();
      for (const orderId of [...finding.orderIds].sort()) {
        const journal = await sideCorrection(ctx, orderId, side, memo);
        if (journal) journals.push(journal);
      }
    }
    items.push({ finding, journals, operator: journals.length ? null : operatorAction[finding.kind] });
  }
  return { since: report.since, items };
}

export const applyLedgerFixesInput = z.object({ reason: requiredReason });

export interface AppliedFixes {
  posted: { kind: string; ref: string; orderId: string }[];
  /** Journals of the plan already in the ledger (an earlier apply of the same plan, or the flow that posts it). */
  alreadyPosted: number;
}

const sameEntries = (a: JournalInput['entries'], b: JournalInput['entries']) =>
  a.length === b.length && a.every((e, i) => e.account === b[i]!.account && e.amountMinor === b[i]!.amountMinor);

/**
 * Posts exactly the journals of `plan`, in one transaction, with one audit row naming the operator,
 * the reason and every journal. Idempotent: a journal is keyed by (kind, ref), so applying the same
 * plan again posts nothing. The orders are locked (in id order, as refunds lock them before the
 * ledger) and each journal is planned again under the lock: if the ledger moved since the plan was
 * shown, nothing is posted and the operator is asked to look again.
 */
export async function applyLedgerFixes(ctx: Ctx, plan: FixPlan, raw: unknown): Promise<AppliedFixes> {
  if (!isAdmin(ctx.actor)) throw forbidden('Only an admin or an operator corrects the ledger');
  const { reason } = parseInput(applyLedgerFixesInput, raw);
  const journals = plan.items.flatMap((i) => i.journals);
  if (journals.length === 0) return { posted: [], alreadyPosted: 0 };
  return withTx(ctx, async (tx) => {
    const c = { ...ctx, db: tx };
    const orderIds = [...new Set(journals.map((j) => j.orderId))].sort();
    await tx.execute(sql`SELECT id FROM orders WHERE id IN (${sql.join(orderIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY id FOR UPDATE`);
    const posted: AppliedFixes['posted'] = [];
    let alreadyPosted = 0;
    for (const j of journals) {
      const [exists] = await queryRows<{ one: number }>(tx, sql`SELECT 1 AS one FROM ledger_journals WHERE kind = ${j.kind} AND ref = ${j.ref}`);
      if (exists) {
        alreadyPosted++;
        continue;
      }
      const now = await sideCorrection(c, j.orderId, j.kind === mainKind.refund || j.kind === correctionKinds.refund ? 'refund' : 'paid', j.memo ?? '');
      if (!now || now.kind !== j.kind || now.ref !== j.ref || !sameEntries(now.entries, j.entries))
        throw conflict(`The ledger of order ${j.orderId} changed since the plan was made: nothing was posted; run the report again`);
      if (await postJournal(c, { kind: j.kind, ref: j.ref, memo: j.memo, entries: j.entries })) posted.push({ kind: j.kind, ref: j.ref, orderId: j.orderId });
      else alreadyPosted++;
    }
    if (posted.length)
      await recordAudit(c, {
        action: 'reconcile.fix',
        target: 'ledger',
        reason,
        details: {
          since: plan.since,
          journals: posted.map((p) => ({ ...p, finding: plan.items.find((i) => i.journals.some((j) => j.ref === p.ref && j.kind === p.kind))!.finding.kind })),
        },
      });
    return { posted, alreadyPosted };
  });
}
