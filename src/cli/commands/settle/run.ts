import type { Command } from 'commander';
import { MAX_SETTLEMENT_BATCH, settleDueOrders } from '../../../core/flows/index.ts';
import { formatMinor } from '../../../core/shared/money.ts';
import { intOption, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop settle run`: settles every order due now, batch after batch, and says how much per shop. */
export default function register(program: Command): void {
  noun(program, 'settle')
    .command('run')
    .description('move the net of delivered card orders past SETTLEMENT_HOLD_DAYS from pending to available')
    .option('--batch <n>', `orders per statement (1-${MAX_SETTLEMENT_BATCH})`, intOption, 5000)
    .action((opts: { batch: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx, config }) => {
        const c = await ctx();
        const now = c.clock.now();
        const byShop = new Map<string, { count: number; amountMinor: number }>();
        let batches = 0;
        for (;;) {
          const run = await settleDueOrders(c, { now, limit: opts.batch });
          batches += 1;
          for (const s of run.byShop) {
            const t = byShop.get(s.shopId) ?? { count: 0, amountMinor: 0 };
            byShop.set(s.shopId, { count: t.count + s.count, amountMinor: t.amountMinor + s.amountMinor });
          }
          if (!io.json && run.count > 0) io.note(`settled ${run.count} order(s) in batch ${batches}`);
          if (run.count < opts.batch) break;
        }
        const shops = [...byShop].map(([shopId, t]) => ({ shopId, ...t }));
        const count = shops.reduce((a, s) => a + s.count, 0);
        const amountMinor = shops.reduce((a, s) => a + s.amountMinor, 0);
        if (io.json) return io.printJson({ count, amountMinor, batches, byShop: shops });
        const currency = config().currency;
        io.table(
          ['shop', 'orders', `amount (${currency})`],
          shops.map((s) => [s.shopId, s.count, formatMinor(s.amountMinor)]),
        );
        io.print(`Settled ${count} order(s), ${formatMinor(amountMinor)} ${currency}, for ${shops.length} shop(s).`);
      }),
    );
}
