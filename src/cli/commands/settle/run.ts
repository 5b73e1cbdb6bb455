import type { Command } from 'commander';
import { dryRunOption, example, intOption, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

// The flows module's MAX_SETTLEMENT_BATCH, repeated so `--help` does not load core.
const MAX_BATCH = 20_000;

/** `mvshop settle run`: settles every order due now, batch after batch, and says how much per shop. */
export default function register(program: Command): void {
  const verb = noun(program, 'settle')
    .command('run')
    .description('move the net of delivered card orders past SETTLEMENT_HOLD_DAYS from pending to available')
    .option('--batch <n>', `orders per statement (1-${MAX_BATCH})`, intOption, 5000)
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: { batch: number; reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx, change }) => {
        const [{ settleDueOrders }, { recordAudit }, { formatMinor }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/audit/index.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        const currency = (await ctx()).config.currency;
        const settled = await change('Settle every order due now?', async (c) => {
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
          await recordAudit(c, { action: 'settlement.run', target: 'settlement', reason: opts.reason, details: { count, amountMinor, batches } });
          return { count, amountMinor, batches, byShop: shops };
        });
        if (io.json) return io.printJson(settled);
        io.table(
          ['shop', 'orders', `amount (${currency})`],
          settled.byShop.map((s) => [s.shopId, s.count, formatMinor(s.amountMinor)]),
        );
        io.print(`Settled ${settled.count} order(s), ${formatMinor(settled.amountMinor)} ${currency}, for ${settled.byShop.length} shop(s).`);
      }),
    );
  example(verb, 'mvshop settle run --yes');
}
