import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/**
 * `mvshop payments retry-refund <chk_…> --reason R`: sends a failed whole-checkout refund (a paid
 * checkout that could not become orders) to Stripe again as a new attempt. An order's refund is
 * retried with `mvshop order refund`.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'payments')
    .command('retry-refund')
    .description('send a failed refund of a whole checkout to Stripe again, as a new attempt (audited)')
    .addArgument(idArgument('checkoutId', 'checkout', 'the checkout (chk_…) whose refund failed'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((checkoutId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const [{ retryCheckoutRefund }, { formatMinor }] = await Promise.all([import('../../../core/flows/index.ts'), import('../../../core/shared/money.ts')]);
        const refund = await change(`Send the refund of checkout ${checkoutId} to Stripe again, as a new refund?`, (c) =>
          retryCheckoutRefund(c, checkoutId, { reason }).catch(namingId(checkoutId)),
        );
        if (refund.status === 'failed' || refund.status === 'unknown') process.exitCode = 1;
        if (io.json) return io.printJson(refund);
        const what = `Refund ${refund.refundId} of checkout ${refund.checkoutId} (${formatMinor(refund.amountMinor)} ${refund.currency}), attempt ${refund.attempt}`;
        const outcome = {
          succeeded: 'succeeded: the buyer is paid back.',
          pending: 'is pending at the bank: the webhook or `mvshop payments reconcile` finishes it.',
          failed: 'failed again at Stripe: nothing was paid back.',
          unknown: 'was not confirmed by Stripe: `mvshop payments reconcile` asks again.',
        }[refund.status];
        io.print(`${what} ${outcome}`);
      }),
    );
  example(verb, 'mvshop payments retry-refund chk_01j… --reason "card reissued, bank asked us to retry"');
}
