import type { Command } from 'commander';
import { intOption, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop shop list [--page N] [--limit N]`: live shops, newest first. */
export default function register(program: Command): void {
  noun(program, 'shop')
    .command('list')
    .description('list shops, newest first')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listShops } = await import('../../../core/shops/index.ts');
        const page = await listShops(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.sellers.length === 0) return io.print(page.total ? `No shops on page ${page.page} (${page.total} in all).` : 'No shops.');
        io.table(
          ['id', 'name', 'email', 'phone', 'created'],
          page.sellers.map((s) => [s._id, s.name, s.email, s.phoneNumber, s.createdAt]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} shop${page.total === 1 ? '' : 's'}.`);
      }),
    );
}
