import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop withdraw list [--status S] [--shop ID]`: every shop's withdrawal requests, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'withdraw')
    .command('list')
    .description('list withdrawal requests of every shop, newest first')
    .option('--status <status>', 'only these: Processing (waiting), succeed (paid out) or rejected')
    .option('--shop <shopId>', 'only this shop’s withdrawals')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { status?: string; shop?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listWithdrawals } = await import('../../../core/withdrawals/index.ts');
        const page = await listWithdrawals(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.withdraws.length === 0) return io.print(page.total ? `No withdrawals on page ${page.page} (${page.total} in all).` : 'No withdrawals.');
        io.table(
          ['id', 'shop', 'amount', 'status', 'asked', 'decided by'],
          page.withdraws.map((w) => [w._id, w.seller.name, `${amount(w.amount)} ${w.currency}`, w.status, shortTime(w.createdAt), w.decidedBy]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} withdrawal${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop withdraw list --status Processing');
}
