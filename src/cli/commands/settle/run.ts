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
        const [{ settleAllDueOrders }, { recordAudit }, { formatMinor }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/audit/index.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        const currency = (await ctx()).config.currency;
        const settled = await change('Settle every order due now?', async (c) => {
          const sweep = await settleAllDueOrders(c, { limit: opts.batch }, (run) => {
            if (!io.json && run.count > 0) io.note(`settled ${run.count} order(s)`);
          });
          await recordAudit(c, { action: 'settlement.run', target: 'settlement', reason: opts.reason, details: { count: sweep.count, amountMinor: sweep.amountMinor, batches: sweep.batches } });
          return sweep;
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
