import type { Command } from 'commander';
import { formatAge } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop stats [--since DATE]`: sales, refunds, commission, best sellers and outbox health on one screen. */
export default function register(program: Command): void {
  program
    .command('stats')
    .description('the marketplace at a glance: GMV, orders by status, refunds, platform fees, top shops and products, pending withdrawals, outbox health')
    .option('--since <date>', 'only orders, refunds and fees from this date (YYYY-MM-DD) or ISO time on; default: all time')
    .addHelpText('after', '\nExample:\n  $ mvshop stats --since 2025-01-01')
    .action((opts: { since?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const [{ marketplaceStats }, { formatMinor }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        const s = await marketplaceStats(await ctx(), opts);
        if (io.json) return io.printJson(s);
        const money = (minor: number) => `${formatMinor(minor)} ${s.currency}`;
        const o = s.outbox;
        io.print(s.since ? `Since ${s.since}:` : 'All time:');
        io.table(
          ['measure', 'value'],
          [
            ['GMV (orders that became sales)', money(s.gmvMinor)],
            ['orders', s.orders.count],
            ['refunds', `${s.refunds.count}, ${money(s.refunds.amountMinor)}${s.refunds.unconfirmed ? ` (${s.refunds.unconfirmed} unconfirmed at Stripe)` : ''}`],
            ['platform fees', money(s.platformFeesMinor)],
            ['pending withdrawals (now)', `${s.pendingWithdrawals.count}, ${money(s.pendingWithdrawals.amountMinor)}`],
            ['outbox', `${o.pending} pending (${o.due} due), ${o.dead} dead${o.oldestPendingAgeSeconds !== null ? `, oldest waits ${formatAge(o.oldestPendingAgeSeconds)}` : ''}`],
          ],
        );
        if (s.orders.count === 0) return io.print('No orders.');
        io.table(
          ['order status', 'orders', 'total'],
          s.orders.byStatus.map((b) => [b.status, b.count, money(b.totalMinor)]),
        );
        io.table(
          ['top shop', 'name', 'orders', 'GMV'],
          s.topShops.map((t) => [t.shopId, t.name, t.orders, money(t.gmvMinor)]),
        );
        io.table(
          ['top product', 'name', 'units', 'revenue'],
          s.topProducts.map((t) => [t.productId, t.name, t.units, money(t.revenueMinor)]),
        );
      }),
    );
}
