import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { amount } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop withdraw reject <withdrawalId> --reason R`: the held money goes back to the shop's available balance; the seller is told why. */
export default function register(program: Command): void {
  const verb = noun(program, 'withdraw')
    .command('reject')
    .description('reject a withdrawal: its held money returns to the shop’s available balance, and the seller is emailed the reason')
    .addArgument(idArgument('withdrawalId', 'withdrawal', 'the withdrawal (wd_…)'))
    .option('--reason <text>', 'why (told to the seller, and recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((withdrawalId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { rejectWithdrawal } = await import('../../../core/withdrawals/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (sent to the seller)' });
        const w = await change(`Reject withdrawal ${withdrawalId}? Its money returns to the shop’s available balance.`, (c) =>
          rejectWithdrawal(c, { id: withdrawalId, reason }).catch(namingId(withdrawalId)),
        );
        if (io.json) return io.printJson(w);
        io.print(`Rejected withdrawal ${w._id} of ${w.seller.name}: ${amount(w.amount)} ${w.currency} back to its available balance.`);
      }),
    );
  example(verb, 'mvshop withdraw reject wd_01j… --reason "the bank account name does not match the shop"');
}
