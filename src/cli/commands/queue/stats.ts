import type { Command } from 'commander';
import { example, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';
import { withQueueOperations } from '../../queues.ts';

/** `mvshop queue stats`: jobs per queue and state, which queues are paused, and the schedules. */
export default function register(program: Command): void {
  const verb = noun(program, 'queue')
    .command('stats')
    .description('count jobs per queue (waiting, active, delayed, failed, completed), show paused queues and the schedules')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, (run) =>
        withQueueOperations(run, async (ops) => {
          const { io } = run;
          const [queues, schedules] = await Promise.all([ops.counts(), ops.schedules()]);
          if (io.json) return io.printJson({ queues, schedules });
          io.table(
            ['queue', 'state', 'waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'],
            queues.map((q) => [q.queue, q.paused ? 'paused' : 'running', q.waiting, q.active, q.delayed, q.prioritized, q.failed, q.completed]),
          );
          io.table(
            ['schedule', 'queue', 'every', 'next run (UTC)'],
            schedules.map((s) => [s.name, s.queue, s.enabled ? `${s.everySeconds} s` : 'off', shortTime(s.nextRunAt)]),
          );
        }),
      ),
    );
  example(verb, 'mvshop queue stats --json');
}
