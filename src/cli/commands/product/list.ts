import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop product list [--status S] [--shop ID] [--q WORDS]`: every undeleted product, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'product')
    .command('list')
    .description('list products of every shop whatever their status, newest first (the moderation queue with --status pending)')
    .option('--status <status>', 'only products in this moderation status (active, pending, hidden, rejected)')
    .option('--shop <shopId>', 'only this shop’s products')
    .option('--q <words>', 'only products matching these words (name, description, tags)')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { status?: string; shop?: string; q?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { adminListProducts } = await import('../../../core/catalog/index.ts');
        const page = await adminListProducts(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.products.length === 0) return io.print(page.total ? `No products on page ${page.page} (${page.total} in all).` : 'No products.');
        io.table(
          ['id', 'name', 'shop', 'status', 'price', 'stock', 'sold', 'created'],
          page.products.map((p) => [p._id, p.name, p.shop.name, p.status, amount(p.price), p.stock, p.sold_out, shortTime(p.createdAt)]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} product${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop product list --status pending --q "leather"');
}
