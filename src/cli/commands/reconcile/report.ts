import type { Command } from 'commander';
import { example, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/**
 * `mvshop reconcile report [--since DATE]`: Stripe's payments and refunds against the ledger and the
 * orders. Exit 1 (and an email to OPS_EMAIL) when anything differs, like `ledger verify` on drift.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'reconcile')
    .command('report')
    .description('compare what Stripe says (payments, refunds) with the ledger and the orders; exit 1 on findings')
    .option('--since <date>', 'from this date (YYYY-MM-DD) or ISO time; default: the last 24 hours')
    .action((opts: { since?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const [{ reconcileReport, findingKinds }, { formatMinor }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        const report = await reconcileReport(await ctx(), { since: opts.since }, { notify: true });
        if (report.findings.length > 0) process.exitCode = 1;
        if (io.json) return io.printJson(report);
        const m = report.matched;
        io.print(
          `Since ${report.since}: matched ${m.payments} payment(s), ${formatMinor(m.paymentsMinor)}, and ${m.refunds} refund(s), ${formatMinor(m.refundsMinor)}.`,
        );
        if (report.findings.length === 0) return io.print('No findings: Stripe, the ledger and the orders agree.');
        io.table(
          ['kind', 'stripe', 'checkout', 'orders', 'refund', 'amount', 'detail'],
          report.findings.map((f) => [f.kind, f.stripeId ?? '', f.checkoutId ?? '', f.orderIds.join(' '), f.refundId ?? '', formatMinor(f.amountMinor), f.detail]),
        );
        io.table(
          ['kind', 'findings', 'amount'],
          findingKinds.filter((k) => report.byKind[k].count > 0).map((k) => [k, report.byKind[k].count, formatMinor(report.byKind[k].amountMinor)]),
        );
      }),
    );
  example(verb, 'mvshop reconcile report --since 2026-12-01 --json');
}
