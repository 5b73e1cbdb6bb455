import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop coupon list [--shop ID]`: live coupons of every shop, newest first. */
export default function register(program: Command): void {
  const verb = noun(program, 'coupon')
    .command('list')
    .description('list live coupons of every shop, newest first')
    .option('--shop <shopId>', 'only this shop’s coupons')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { shop?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listAllCoupons } = await import('../../../core/coupons/index.ts');
        const page = await listAllCoupons(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.coupons.length === 0) return io.print(page.total ? `No coupons on page ${page.page} (${page.total} in all).` : 'No coupons.');
        io.table(
          ['id', 'name', 'shop', 'percent', 'used', 'expires', 'created'],
          page.coupons.map((c) => [
            c._id,
            c.name,
            c.shopId,
            `${c.value}%`,
            c.usageLimit === null ? String(c.usedCount) : `${c.usedCount}/${c.usageLimit}`,
            shortTime(c.expiresAt) || 'never',
            shortTime(c.createdAt),
          ]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} coupon${page.total === 1 ? '' : 's'}.`);
      }),
    );
  example(verb, 'mvshop coupon list --shop shop_01j… --json');
}
