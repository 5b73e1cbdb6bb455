import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop withdraw show <withdrawalId>`: one withdrawal, its bank account (masked) and its shop's balances now. */
export default function register(program: Command): void {
  const verb = noun(program, 'withdraw')
    .command('show')
    .description('show one withdrawal: shop, amount, bank account (masked), decision, and the shop’s balances now')
    .addArgument(idArgument('withdrawalId', 'withdrawal', 'the withdrawal (wd_…)'))
    .action((withdrawalId: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { getWithdrawal } = await import('../../../core/withdrawals/index.ts');
        const w = await getWithdrawal(await ctx(), withdrawalId).catch(namingId(withdrawalId));
        if (io.json) return io.printJson(w);
        const money = (major: number) => `${amount(major)} ${w.currency}`;
        const m = w.withdrawMethod;
        const b = w.shopBalance;
        io.table(
          ['withdrawal', w._id],
          [
            ['status', w.status],
            ['shop', `${w.seller.name} (${w.shopId})`],
            ['amount', money(w.amount)],
            ['pay to', `${m.bankHolderName}, ${m.bankName}, ${m.bankAccountNumber}`],
            ['asked', shortTime(w.createdAt)],
            ['decided', w.decidedAt ? `${shortTime(w.decidedAt)} by ${w.decidedBy}` : ''],
            ['rejection reason', w.reason],
            ['shop balance now', `available ${money(b.available)}, on hold ${money(b.onHold)}, pending ${money(b.pending)}, debt ${money(b.debt)}`],
          ],
        );
      }),
    );
  example(verb, 'mvshop withdraw show wd_01j… --json');
}
