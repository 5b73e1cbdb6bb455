import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop audit list [--actor A] [--since DATE] [--target ID]`: who did what, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'audit')
    .command('list')
    .description('list audit rows (who did what to which target, and why), newest first')
    .option('--actor <actor>', 'only this actor: an account id (usr_…) or an operator name')
    .option('--since <date>', 'only rows from this date (YYYY-MM-DD) or ISO time on')
    .option('--target <id>', 'only rows about this target (an order, listing, account …)')
    .option('--action <action>', 'only this action (e.g. order.refund, listing.hide)')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { actor?: string; since?: string; target?: string; action?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listAudit } = await import('../../../core/audit/index.ts');
        const page = await listAudit(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.entries.length === 0) return io.print(page.total ? `No audit rows on page ${page.page} (${page.total} in all).` : 'No audit rows.');
        io.table(
          ['#', 'when', 'actor', 'action', 'target', 'reason'],
          page.entries.map((e) => [e.seq, shortTime(e.createdAt), e.actor, e.action, e.target, e.reason]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} row${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop audit list --actor alice --since 2025-01-01');
}
