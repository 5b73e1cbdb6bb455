import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/**
 * `mvshop reconcile report [--since DATE] [--fix-plan | --apply --reason R]`: Stripe's payments and
 * refunds against the ledger and the orders. Exit 1 (and an email to OPS_EMAIL) when anything
 * differs, like `ledger verify` on drift. `--fix-plan` adds the journals that would correct the
 * ledger side; `--apply` posts them (audited) and exits 1 only for what still needs an operator.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'reconcile')
    .command('report')
    .description('compare what Stripe says (payments, refunds, balance transactions) with the ledger and the orders; exit 1 on findings')
    .option('--since <date>', 'from this date (YYYY-MM-DD) or ISO time; default: the last 24 hours')
    .option('--fix-plan', 'also print the ledger journals that would correct each finding, and which findings need an operator at Stripe')
    .option('--apply', 'post the fix plan\'s journals in one transaction (audited); needs --reason')
    .option('--reason <text>', 'why the ledger is corrected (recorded in the audit log); required with --apply')
    .addOption(dryRunOption())
    .action((opts: { since?: string; fixPlan?: boolean; apply?: boolean; reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx, change }) => {
        const reason = opts.apply ? await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' }) : undefined;
        const [{ reconcileReport, findingKinds, planLedgerFixes, applyLedgerFixes }, { formatMinor }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        const c = await ctx();
        const report = await reconcileReport(c, { since: opts.since }, { notify: true });
        const plan = opts.fixPlan || opts.apply ? await planLedgerFixes(c, report) : undefined;
        const journals = plan?.items.flatMap((i) => i.journals) ?? [];
        const applied =
          plan && reason !== undefined && journals.length > 0
            ? await change(`Post ${journals.length} correcting journal(s) to the ledger?`, (cc) => applyLedgerFixes(cc, plan, { reason }))
            : undefined;
        const open = opts.apply ? (plan?.items.filter((i) => i.journals.length === 0).length ?? 0) : report.findings.length;
        if (open > 0) process.exitCode = 1;
        if (io.json) return io.printJson(plan ? { ...report, fixPlan: plan.items, ...(applied ? { applied } : {}) } : report);

        const m = report.matched;
        io.print(
          `Since ${report.since}: matched ${m.payments} payment(s), ${formatMinor(m.paymentsMinor)}, and ${m.refunds} refund(s), ${formatMinor(m.refundsMinor)}.`,
        );
        const b = report.balance;
        io.print(`Stripe's balance: ${b.transactions} transaction(s), fees ${formatMinor(b.feesMinor)}, net ${formatMinor(b.netMinor)}.`);
        if (report.findings.length === 0) return io.print('No findings: Stripe, the ledger and the orders agree.');
        io.table(
          ['kind', 'stripe', 'checkout', 'orders', 'refund', 'amount', 'detail'],
          report.findings.map((f) => [f.kind, f.stripeId ?? '', f.checkoutId ?? '', f.orderIds.join(' '), f.refundId ?? '', formatMinor(f.amountMinor), f.detail]),
        );
        io.table(
          ['kind', 'findings', 'amount'],
          findingKinds.filter((k) => report.byKind[k].count > 0).map((k) => [k, report.byKind[k].count, formatMinor(report.byKind[k].amountMinor)]),
        );
        if (!plan) return;
        if (journals.length > 0) {
          io.print('Fix plan: journals that would correct the ledger side');
          io.table(
            ['finding', 'stripe', 'journal', 'account', 'amount'],
            plan.items.flatMap((i) =>
              i.journals.flatMap((j) => j.entries.map((e) => [i.finding.kind, i.finding.stripeId ?? '', `${j.kind} ${j.ref}`, e.account, formatMinor(e.amountMinor)])),
            ),
          );
        } else io.print('Fix plan: no ledger journal corrects these findings.');
        const operator = plan.items.filter((i) => i.operator);
        if (operator.length > 0) {
          io.print('Needs an operator at Stripe (no ledger correction):');
          io.table(['finding', 'stripe', 'amount', 'what to do'], operator.map((i) => [i.finding.kind, i.finding.stripeId ?? '', formatMinor(i.finding.amountMinor), i.operator]));
        }
        if (applied)
          io.print(
            `Applied: posted ${applied.posted.length} journal(s)${applied.alreadyPosted ? `, ${applied.alreadyPosted} already in the ledger` : ''}.`,
          );
        else if (!opts.apply && journals.length > 0) io.print('Run again with --apply --reason "…" to post them.');
      }),
    );
  example(verb, 'mvshop reconcile report --since 2026-12-01 --fix-plan');
}
