import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop order list [--status S] [--shop ID]`: every shop's orders, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'order')
    .command('list')
    .description('list orders of every shop, newest first')
    .option('--status <status>', 'only orders in this status (e.g. "Processing refund")')
    .option('--shop <shopId>', 'only this shop’s orders')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { status?: string; shop?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listAllOrders } = await import('../../../core/orders/index.ts');
        const page = await listAllOrders(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.orders.length === 0) return io.print(page.total ? `No orders on page ${page.page} (${page.total} in all).` : 'No orders.');
        io.table(
          ['id', 'shop', 'buyer', 'status', 'total', 'payment', 'placed'],
          page.orders.map((o) => [o._id, o.shop.name, o.user.email, o.status, `${amount(o.totalPrice)} ${o.currency}`, o.paymentInfo.type, shortTime(o.createdAt)]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} order${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop order list --status "Processing refund" --shop shop_01j…');
}
