import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { correctionKinds, platformAccount } from '../ledger/index.ts';
import { queueEmail } from '../mail/index.ts';
import type { BalanceTransactionInfo, PaymentIntentInfo, RefundInfo } from '../payments/index.ts';
import { sinceDate } from '../shared/fields.ts';
import { formatMinor } from '../shared/money.ts';
import { parseInput } from '../shared/validation.ts';
import { requirePayments } from './start-card-payment.ts';

export const findingKinds = ['missing-in-ledger', 'missing-at-stripe', 'amount-differs', 'status-differs', 'orphan-at-stripe', 'balance-differs'] as const;
export type FindingKind = (typeof findingKinds)[number];

/** One difference between Stripe, the ledger and the orders, with the ids on each side. */
export interface Finding {
  kind: FindingKind;
  amountMinor: number;
  stripeId: string | null;
  checkoutId: string | null;
  orderIds: string[];
  refundId: string | null;
  detail: string;
  /** Stripe and the orders agree and only the ledger differs: a journal corrects it (see planLedgerFixes). */
  ledgerSide: boolean;
}

export interface ReconciliationReport {
  since: string;
  findings: Finding[];
  byKind: Record<FindingKind, { count: number; amountMinor: number }>;
  /** What agreed on all three sides. */
  matched: { payments: number; paymentsMinor: number; refunds: number; refundsMinor: number };
  /** Stripe's balance in the window: its charges and refunds compared, and what its fees took. */
  balance: { transactions: number; feesMinor: number; netMinor: number };
}

/** The window: from `since` (default: the last day) to now. */
export const reconcileReportInput = z.object({ since: sinceDate.optional() });

/** Stripe objects are compared a page at a time, so memory follows the page, not the window. */
const PAGE = 100;

type Intent = PaymentIntentInfo & { amountReceived: number };
type StripeRefund = RefundInfo & { paymentIntentId: string | null; currency: string };

const chargeTypes = new Set(['charge', 'payment']);
const refundTypes = new Set(['refund', 'payment_refund']);

/**
 * Three-way reconciliation of the card money since `since`: every PaymentIntent and refund Stripe
 * lists is matched with the checkout, orders and ledger journals it should have, and every card
 * checkout and refund we recorded must be at Stripe. Then Stripe's balance: every payment and refund
 * must have moved its amount there (a charge, a refund, given back by a refund_failure when it
 * failed). Read-only; with `notify`, findings are emailed to OPS_EMAIL. The ids seen at Stripe are
 * kept to find what is missing there (a few dozen bytes each).
 */
export async function reconcileReport(ctx: Ctx, raw: unknown, opts: { notify?: boolean } = {}): Promise<ReconciliationReport> {
  const provider = requirePayments(ctx);
  const since = parseInput(reconcileReportInput, raw).since ?? new Date(ctx.clock.now().getTime() - 86_400_000);
  const findings: Finding[] = [];
  const matched = { payments: 0, paymentsMinor: 0, refunds: 0, refundsMinor: 0 };
  const seenIntents = new Set<string>();
  const seenRefunds = new Set<string>();

  let intents: Intent[] = [];
  const flushIntents = async () => {
    await compareIntents(ctx, intents, findings, matched);
    intents = [];
  };
  for await (const pi of provider.listIntents(since)) {
    if (pi.status !== 'succeeded') continue;
    seenIntents.add(pi.id);
    intents.push(pi);
    if (intents.length >= PAGE) await flushIntents();
  }
  await flushIntents();

  let refunds: StripeRefund[] = [];
  const flushRefunds = async () => {
    await compareRefunds(ctx, refunds, findings, matched);
    refunds = [];
  };
  for await (const r of provider.listRefunds(since)) {
    seenRefunds.add(r.id);
    refunds.push(r);
    if (refunds.length >= PAGE) await flushRefunds();
  }
  await flushRefunds();

  const balance = { transactions: 0, feesMinor: 0, netMinor: 0 };
  const charged = new Set<string>();
  const refundMoved = new Set<string>();
  const refundReturned = new Set<string>();
  let moves: BalanceTransactionInfo[] = [];
  const flushMoves = async () => {
    await compareBalance(ctx, moves, findings);
    moves = [];
  };
  for await (const bt of provider.listBalanceTransactions(since)) {
    balance.transactions++;
    balance.feesMinor += bt.feeMinor;
    balance.netMinor += bt.netMinor;
    if (chargeTypes.has(bt.type) && bt.paymentIntentId) charged.add(bt.paymentIntentId);
    else if (refundTypes.has(bt.type) && bt.sourceId) refundMoved.add(bt.sourceId);
    else if (bt.type === 'refund_failure' && bt.sourceId) refundReturned.add(bt.sourceId);
    else continue;
    moves.push(bt);
    if (moves.length >= PAGE) await flushMoves();
  }
  await flushMoves();

  const paid = await queryRows<{ id: string; pi: string; amount: number }>(
    ctx.db,
    sql`SELECT id, payment_intent_id AS pi, amount_minor::float8 AS amount FROM checkouts
        WHERE payment_type = 'Credit Card' AND status IN ('completed', 'failed') AND payment_intent_id IS NOT NULL AND created_at >= ${since}`,
  );
  for (const c of paid)
    if (!seenIntents.has(c.pi))
      findings.push({ kind: 'missing-at-stripe', amountMinor: c.amount, stripeId: c.pi, checkoutId: c.id, orderIds: [], refundId: null, ledgerSide: false, detail: 'a paid checkout whose PaymentIntent Stripe does not list as succeeded' });
    else if (!charged.has(c.pi))
      findings.push({ kind: 'balance-differs', amountMinor: c.amount, stripeId: c.pi, checkoutId: c.id, orderIds: [], refundId: null, ledgerSide: false, detail: "a succeeded payment with no charge in Stripe's balance" });
  const done = await queryRows<{ id: string; pid: string; amount: number; order_id: string | null; checkout_id: string; status: string }>(
    ctx.db,
    sql`SELECT id, provider_refund_id AS pid, amount_minor::float8 AS amount, order_id, checkout_id, status FROM refunds
        WHERE provider = 'stripe' AND status IN ('succeeded', 'failed') AND provider_refund_id IS NOT NULL AND created_at >= ${since}`,
  );
  for (const r of done) {
    const base = { stripeId: r.pid, checkoutId: r.checkout_id, orderIds: r.order_id ? [r.order_id] : [], refundId: r.id, ledgerSide: false };
    if (r.status === 'succeeded' && !seenRefunds.has(r.pid))
      findings.push({ ...base, kind: 'missing-at-stripe', amountMinor: r.amount, detail: 'a refund we recorded as paid that Stripe does not list' });
    else if (r.status === 'succeeded' && !refundMoved.has(r.pid))
      findings.push({ ...base, kind: 'balance-differs', amountMinor: r.amount, detail: "a paid refund with no refund in Stripe's balance" });
    else if (r.status === 'failed' && refundMoved.has(r.pid) && !refundReturned.has(r.pid))
      findings.push({ ...base, kind: 'balance-differs', amountMinor: r.amount, detail: "a failed refund whose money Stripe's balance never gave back" });
  }

  const byKind = Object.fromEntries(findingKinds.map((k) => [k, { count: 0, amountMinor: 0 }])) as ReconciliationReport['byKind'];
  for (const f of findings) {
    byKind[f.kind].count++;
    byKind[f.kind].amountMinor += f.amountMinor;
  }
  const report = { since: since.toISOString(), findings, byKind, matched, balance };
  const ops = ctx.config.money.opsEmail;
  if (opts.notify && ops && findings.length > 0) {
    await queueEmail(ctx, ops, 'reconciliation-findings', {
      since: report.since,
      summary: findingKinds.filter((k) => byKind[k].count > 0).map((k) => `${k}: ${byKind[k].count} (${formatMinor(byKind[k].amountMinor)})`),
    });
    ctx.afterCommit?.();
  }
  return report;
}

async function compareIntents(ctx: Ctx, page: Intent[], findings: Finding[], matched: ReconciliationReport['matched']): Promise<void> {
  if (page.length === 0) return;
  const ids = page.map((p) => p.id);
  const rows = await queryRows<{ pi: string; id: string; status: string; orders: number; total: number; booked: number; booked_minor: number; order_ids: string[] | null }>(
    ctx.db,
    sql`SELECT c.payment_intent_id AS pi, c.id, c.status,
               count(o.id)::int AS orders, coalesce(sum(o.total_minor), 0)::float8 AS total,
               count(j.id)::int AS booked,
               (coalesce(sum((SELECT -sum(e.amount_minor) FROM ledger_entries e WHERE e.journal_id = j.id AND e.account = ${platformAccount.clearing})), 0)
                + coalesce(sum((SELECT -sum(e.amount_minor) FROM ledger_journals cj JOIN ledger_entries e ON e.journal_id = cj.id
                                WHERE cj.kind = ${correctionKinds.paid} AND starts_with(cj.ref, o.id || '#') AND e.account = ${platformAccount.clearing})), 0))::float8 AS booked_minor,
               array_agg(o.id) FILTER (WHERE o.id IS NOT NULL) AS order_ids
        FROM checkouts c
        LEFT JOIN orders o ON o.checkout_id = c.id
        LEFT JOIN ledger_journals j ON j.kind = 'order-paid' AND j.ref = o.id
        WHERE c.payment_intent_id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
        GROUP BY c.id`,
  );
  const byIntent = new Map(rows.map((r) => [r.pi, r]));
  for (const pi of page) {
    const c = byIntent.get(pi.id);
    const base = { stripeId: pi.id, checkoutId: c?.id ?? null, orderIds: c?.order_ids ?? [], refundId: null, ledgerSide: false };
    if (!c) {
      findings.push({ ...base, kind: 'orphan-at-stripe', amountMinor: pi.amountReceived, detail: 'a succeeded PaymentIntent with no checkout' });
    } else if (c.status === 'open' || c.status === 'expired') {
      findings.push({ ...base, kind: 'status-differs', amountMinor: pi.amountReceived, detail: `Stripe says succeeded, the checkout is ${c.status}` });
    } else if (c.status === 'failed') {
      // Paid but not fulfillable: no orders, refunded in full (the refund is compared on its own).
      matched.payments++;
      matched.paymentsMinor += pi.amountReceived;
    } else if (c.total !== pi.amountReceived) {
      findings.push({ ...base, kind: 'amount-differs', amountMinor: Math.abs(c.total - pi.amountReceived), detail: `Stripe received ${pi.amountReceived}, the orders total ${c.total}` });
    } else if (c.booked < c.orders) {
      findings.push({ ...base, ledgerSide: true, kind: 'missing-in-ledger', amountMinor: c.total - c.booked_minor, detail: `${c.orders - c.booked} of ${c.orders} orders have no order-paid journal` });
    } else if (c.booked_minor !== c.total) {
      findings.push({ ...base, ledgerSide: true, kind: 'amount-differs', amountMinor: Math.abs(c.total - c.booked_minor), detail: `the ledger booked ${c.booked_minor}, the orders total ${c.total}` });
    } else {
      matched.payments++;
      matched.paymentsMinor += pi.amountReceived;
    }
  }
}

const statusOf = (stripe: string) => (stripe === 'succeeded' ? 'succeeded' : stripe === 'failed' || stripe === 'canceled' ? 'failed' : 'pending');

async function compareRefunds(ctx: Ctx, page: StripeRefund[], findings: Finding[], matched: ReconciliationReport['matched']): Promise<void> {
  const ours = page.filter((r) => r.metadata.refundId);
  const rows = ours.length
    ? await queryRows<{
        id: string;
        status: string;
        attempt: number;
        amount: number;
        order_id: string | null;
        checkout_id: string;
        order_total: number | null;
        paid: boolean;
        reversed: boolean;
        booked_minor: number;
      }>(
        ctx.db,
        // What the ledger gave back for the order: its order-refund journal and any corrections of it, read on clearing as on the payment side.
        sql`SELECT r.id, r.status, r.attempt, r.amount_minor::float8 AS amount, r.order_id, r.checkout_id, o.total_minor::float8 AS order_total,
                   EXISTS (SELECT 1 FROM ledger_journals j WHERE j.kind = 'order-paid' AND j.ref = r.order_id) AS paid,
                   EXISTS (SELECT 1 FROM ledger_journals j WHERE j.kind = 'order-refund' AND j.ref = r.order_id) AS reversed,
                   (coalesce((SELECT sum(e.amount_minor) FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
                              WHERE j.kind = 'order-refund' AND j.ref = r.order_id AND e.account = ${platformAccount.clearing}), 0)
                    + coalesce((SELECT sum(e.amount_minor) FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
                                WHERE j.kind = ${correctionKinds.refund} AND starts_with(j.ref, r.order_id || '#') AND e.account = ${platformAccount.clearing}), 0))::float8 AS booked_minor
            FROM refunds r LEFT JOIN orders o ON o.id = r.order_id
            WHERE r.id IN (${sql.join(ours.map((r) => sql`${r.metadata.refundId}`), sql`, `)})`,
      )
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const s of page) {
    const row = s.metadata.refundId ? byId.get(s.metadata.refundId) : undefined;
    const base = { stripeId: s.id, checkoutId: row?.checkout_id ?? null, orderIds: row?.order_id ? [row.order_id] : [], refundId: row?.id ?? null, ledgerSide: false };
    if (!row) {
      if (s.status !== 'failed' && s.status !== 'canceled')
        findings.push({ ...base, kind: 'orphan-at-stripe', amountMinor: s.amountMinor, detail: `a ${s.status} refund of ${s.paymentIntentId ?? 'a payment'} that mvshop did not make` });
      continue;
    }
    // Earlier attempts failed at Stripe and were replaced; only the current one must agree.
    if (Number(s.metadata.attempt ?? 0) !== row.attempt) continue;
    const status = statusOf(s.status);
    if (status !== row.status) {
      findings.push({ ...base, kind: 'status-differs', amountMinor: s.amountMinor, detail: `Stripe says ${s.status}, mvshop says ${row.status}` });
    } else if (s.amountMinor !== row.amount) {
      findings.push({ ...base, kind: 'amount-differs', amountMinor: Math.abs(s.amountMinor - row.amount), detail: `Stripe refunded ${s.amountMinor}, mvshop recorded ${row.amount}` });
    } else if (status === 'succeeded' && row.order_id && row.paid && !row.reversed) {
      findings.push({ ...base, ledgerSide: true, kind: 'missing-in-ledger', amountMinor: s.amountMinor, detail: 'a paid refund whose order-refund journal is missing' });
    } else if (status === 'succeeded' && row.reversed && row.booked_minor !== s.amountMinor) {
      // Only the ledger is wrong when the order's total is what Stripe refunded; otherwise the order disagrees with Stripe too and a journal cannot say which is right.
      const orderAgrees = row.order_total === s.amountMinor;
      findings.push({
        ...base,
        ledgerSide: orderAgrees,
        kind: 'amount-differs',
        amountMinor: Math.abs(s.amountMinor - row.booked_minor),
        detail: `the ledger booked ${row.booked_minor} for the refund, Stripe refunded ${s.amountMinor}${orderAgrees ? '' : `, the order totals ${row.order_total}`}`,
      });
    } else if (status === 'succeeded') {
      matched.refunds++;
      matched.refundsMinor += s.amountMinor;
    }
  }
}

/**
 * A page of Stripe's balance against what mvshop recorded: a charge moves the payment's amount in
 * its currency, a refund the refund's amount out. What mvshop does not know is left to the intent
 * and refund passes (an orphan there), so one difference is not reported twice.
 */
async function compareBalance(ctx: Ctx, page: BalanceTransactionInfo[], findings: Finding[]): Promise<void> {
  const charges = page.filter((b) => chargeTypes.has(b.type));
  const refundMoves = page.filter((b) => refundTypes.has(b.type));
  const list = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);
  const checkouts = charges.length
    ? await queryRows<{ id: string; pi: string; amount: number; currency: string }>(
        ctx.db,
        // What mvshop recorded as received: the checkout's amount, or what Stripe took instead when that differed (refunded).
        sql`SELECT c.id, c.payment_intent_id AS pi, c.currency,
                   coalesce((SELECT p.amount_minor FROM payments p WHERE p.checkout_id = c.id LIMIT 1), c.amount_minor)::float8 AS amount
            FROM checkouts c WHERE c.payment_intent_id IN (${list(charges.map((b) => b.paymentIntentId!))})`,
      )
    : [];
  const byIntent = new Map(checkouts.map((c) => [c.pi, c]));
  for (const b of charges) {
    const c = byIntent.get(b.paymentIntentId!);
    if (c && (b.amountMinor !== c.amount || b.currency.toLowerCase() !== c.currency.toLowerCase()))
      findings.push({
        kind: 'balance-differs',
        amountMinor: Math.abs(b.amountMinor - c.amount),
        stripeId: b.id,
        checkoutId: c.id,
        orderIds: [],
        refundId: null,
        ledgerSide: false,
        detail: `Stripe's balance took in ${b.amountMinor} ${b.currency} for ${c.pi}, the checkout charged ${c.amount} ${c.currency}`,
      });
  }
  const refundRows = refundMoves.length
    ? await queryRows<{ id: string; pid: string; amount: number; order_id: string | null; checkout_id: string }>(
        ctx.db,
        sql`SELECT id, provider_refund_id AS pid, amount_minor::float8 AS amount, order_id, checkout_id FROM refunds
            WHERE provider_refund_id IN (${list(refundMoves.map((b) => b.sourceId!))})`,
      )
    : [];
  const byRefund = new Map(refundRows.map((r) => [r.pid, r]));
  for (const b of refundMoves) {
    const r = byRefund.get(b.sourceId!);
    if (r && -b.amountMinor !== r.amount)
      findings.push({
        kind: 'balance-differs',
        amountMinor: Math.abs(-b.amountMinor - r.amount),
        stripeId: b.id,
        checkoutId: r.checkout_id,
        orderIds: r.order_id ? [r.order_id] : [],
        refundId: r.id,
        ledgerSide: false,
        detail: `Stripe's balance paid out ${-b.amountMinor} for refund ${r.pid}, mvshop recorded ${r.amount}`,
      });
  }
}
