import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop payments reconcile`: what webhooks missed — paid checkouts, abandoned ones, unconfirmed refunds. */
export default function register(program: Command): void {
  noun(program, 'payments')
    .command('reconcile')
    .description('finalize paid checkouts whose webhook was missed, expire abandoned ones, retry unconfirmed refunds')
    .option('--abandon-after <minutes>', 'expire open checkouts older than this', '1440')
    .action((opts: { abandonAfter: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { reconcilePayments } = await import('../../../core/flows/index.ts');
        const minutes = Number(opts.abandonAfter);
        const report = await reconcilePayments(await ctx(), { abandonAfterMinutes: Number.isFinite(minutes) ? minutes : 1440 });
        if (io.json) return io.printJson(report);
        io.table(
          ['outcome', 'count'],
          Object.entries(report).map(([k, v]) => [k, v]),
        );
      }),
    );
}
