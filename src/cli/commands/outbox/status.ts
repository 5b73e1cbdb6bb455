import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { formatAge } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop outbox status`: how many side effects wait, are done or gave up, and the oldest wait. */
export default function register(program: Command): void {
  noun(program, 'outbox')
    .command('status')
    .description('count pending, relayed, done and dead outbox rows and show the oldest pending age')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { outboxStatus } = await import('../../../core/outbox/index.ts');
        const s = await outboxStatus(await ctx());
        if (io.json) return io.printJson(s);
        io.table(
          ['state', 'rows'],
          [
            ['pending', s.due === s.pending ? s.pending : `${s.pending} (${s.due} due now)`],
            ['relayed (queued in Redis)', s.relayed],
            ['done', s.done],
            ['dead', s.dead],
          ],
        );
        if (s.oldestPendingAgeSeconds !== null)
          io.print(`Oldest pending row waits for ${formatAge(s.oldestPendingAgeSeconds)} (since ${s.oldestPendingAt}).`);
        else io.print('Nothing pending.');
      }),
    );
}
