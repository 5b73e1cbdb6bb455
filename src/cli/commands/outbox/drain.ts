import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop outbox drain`: delivers every due row now, in this process, and says how many it handled. */
export default function register(program: Command): void {
  const verb = noun(program, 'outbox')
    .command('drain')
    .description('deliver due outbox rows now (rows waiting out a retry backoff stay pending)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, core, ctx, change, dryRun }) => {
        const [{ outboxStatus }, { recordAudit }] = await Promise.all([import('../../../core/outbox/index.ts'), import('../../../core/audit/index.ts')]);
        const before = await outboxStatus(await ctx());
        if (dryRun) {
          // Delivery sends email, which no rollback takes back: the dry run says what is due instead of rehearsing it.
          if (io.json) return io.printJson({ dryRun: { wouldDeliver: before.due }, status: before });
          io.print(`Dry run: ${before.due} due row${before.due === 1 ? '' : 's'} would be delivered now (${before.pending} pending in all).`);
          return io.print('Nothing was changed.');
        }
        const c = await core();
        const processed = await change(`Deliver ${before.due} due outbox row${before.due === 1 ? '' : 's'} now?`, async (operatorCtx) => {
          const n = await c.outbox.drain();
          await recordAudit(operatorCtx, { action: 'outbox.drain', target: 'outbox', reason: opts.reason, details: { processed: n } });
          return n;
        });
        const status = await outboxStatus(await ctx());
        if (io.json) return io.printJson({ processed, status });
        io.print(`Processed ${processed} outbox row${processed === 1 ? '' : 's'}.`);
        io.print(`Now ${status.pending} pending (${status.due} due), ${status.dead} dead.`);
        if (status.due > 0 || status.dead > 0) io.note("Failed rows keep their last error; see the logs with --verbose.");
      }),
    );
  example(verb, 'mvshop outbox drain --yes --reason "SMTP back after the outage"');
}
