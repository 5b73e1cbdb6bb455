import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop payments reconcile`: what webhooks missed — paid checkouts, abandoned ones, unconfirmed refunds. */
export default function register(program: Command): void {
  const verb = noun(program, 'payments')
    .command('reconcile')
    .description('finalize paid checkouts whose webhook was missed, expire abandoned ones, retry unconfirmed refunds')
    .option('--abandon-after <minutes>', 'expire open checkouts older than this', '1440')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: { abandonAfter: string; reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const [{ reconcilePayments }, { recordAudit }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/audit/index.ts'),
        ]);
        const minutes = Number(opts.abandonAfter);
        const input = { abandonAfterMinutes: Number.isFinite(minutes) ? minutes : 1440 };
        const report = await change('Reconcile card payments with Stripe now (finalize, expire, refund)?', async (c) => {
          const done = await reconcilePayments(c, input);
          await recordAudit(c, { action: 'payments.reconcile', target: 'payments', reason: opts.reason, details: { ...input, ...done } });
          return done;
        });
        if (io.json) return io.printJson(report);
        io.table(
          ['outcome', 'count'],
          Object.entries(report).map(([k, v]) => [k, v]),
        );
      }),
    );
  example(verb, 'mvshop payments reconcile --dry-run');
}
