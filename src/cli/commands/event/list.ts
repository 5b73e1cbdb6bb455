import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop event list [--shop ID] [--status S]`: every undeleted event, past ones too, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'event')
    .command('list')
    .description('list events of every shop (past ones too), newest first')
    .option('--shop <shopId>', 'only this shop’s events')
    .option('--status <status>', 'only events in this moderation status (active, pending, hidden, rejected)')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { shop?: string; status?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { adminListEvents } = await import('../../../core/catalog/index.ts');
        const page = await adminListEvents(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.events.length === 0) return io.print(page.total ? `No events on page ${page.page} (${page.total} in all).` : 'No events.');
        io.table(
          ['id', 'name', 'shop', 'status', 'window', 'starts', 'ends', 'price', 'stock'],
          page.events.map((e) => [e._id, e.name, e.shop.name, e.status, e.eventStatus, shortTime(e.start_Date), shortTime(e.finish_Date), amount(e.price), e.stock]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} event${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop event list --shop shop_01j…');
}
