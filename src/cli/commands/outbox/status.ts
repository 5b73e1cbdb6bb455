import type { Command } from 'commander';
import { outboxStatus } from '../../../core/outbox/index.ts';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** "3d 4h", "12m 5s": the largest two units of an age in seconds. */
export function formatAge(seconds: number): string {
  const units: [string, number][] = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [label, size] of units) {
    if (rest >= size || (label === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${label}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** `mvshop outbox status`: how many side effects wait, are done or gave up, and the oldest wait. */
export default function register(program: Command): void {
  noun(program, 'outbox')
    .command('status')
    .description('count pending, relayed, done and dead outbox rows and show the oldest pending age')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
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
