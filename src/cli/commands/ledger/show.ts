import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop ledger show --shop ID`: a shop's ledger entries, newest first, as GET /shop/transactions shows the seller. */
export default function register(program: Command): void {
  const verb = noun(program, 'ledger')
    .command('show')
    .description('list a shop’s ledger entries, newest first: why its money moved, and each account’s balance after')
    .requiredOption('--shop <shopId>', 'the shop (shop_…)')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { shop: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { shopTransactions } = await import('../../../core/ledger/index.ts');
        const { shop, ...paging } = opts;
        const page = await shopTransactions(await ctx(), shop, paging);
        if (io.json) return io.printJson(page);
        if (page.transactions.length === 0) return io.print(page.total ? `No entries on page ${page.page} (${page.total} in all).` : 'No ledger entries for this shop.');
        io.table(
          ['when', 'kind', 'account', 'amount', 'balance after', 'reference'],
          page.transactions.map((t) => [shortTime(t.createdAt), t.kind, t.account, `${amount(t.amount)} ${t.currency}`, amount(t.balance), t.reference]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} entr${page.total === 1 ? 'y' : 'ies'}.`);
      }),
    );
  example(verb, 'mvshop ledger show --shop shop_01j… --limit 50');
}
