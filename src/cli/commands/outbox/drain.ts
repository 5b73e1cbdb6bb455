import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop outbox drain`: delivers every due row now, in this process, and says how many it handled. */
export default function register(program: Command): void {
  noun(program, 'outbox')
    .command('drain')
    .description('deliver due outbox rows now (rows waiting out a retry backoff stay pending)')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, core, ctx }) => {
        const { outboxStatus } = await import('../../../core/outbox/index.ts');
        const c = await core();
        const processed = await c.outbox.drain();
        const status = await outboxStatus(await ctx());
        if (io.json) return io.printJson({ processed, status });
        io.print(`Processed ${processed} outbox row${processed === 1 ? '' : 's'}.`);
        io.print(`Now ${status.pending} pending (${status.due} due), ${status.dead} dead.`);
        if (status.due > 0 || status.dead > 0) io.note("Failed rows keep their last error; see the logs with --verbose.");
      }),
    );
}
