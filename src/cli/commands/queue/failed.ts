import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { runCommand } from '../../runtime.ts';
import { queuesArg, withQueueOperations } from '../../queues.ts';

/** `mvshop queue failed [--queue Q]`: the jobs that gave up, newest first, with the error that failed them. */
export default function register(program: Command): void {
  const verb = noun(program, 'queue')
    .command('failed')
    .description('list failed jobs, newest first, with their error (retry them with `mvshop queue retry`)')
    .option('--queue <name>', 'one queue (default: every queue)')
    .option('--limit <n>', 'jobs per queue (1-500)', intOption, 50)
    .action((opts: { queue?: string; limit: number }, cmd: Command) =>
      runCommand(cmd, async (run) => {
        const names = await queuesArg(opts.queue);
        await withQueueOperations(run, async (ops) => {
          const { io } = run;
          const jobs = (await Promise.all(names.map(async (queue) => (await ops.failed(queue, { limit: opts.limit })).map((j) => ({ queue, ...j }))))).flat();
          if (io.json) return io.printJson({ jobs });
          if (jobs.length === 0) return io.print(`No failed jobs in ${opts.queue ? `queue ${opts.queue}` : 'any queue'}.`);
          io.table(
            ['queue', 'job', 'name', 'attempts', 'failed at (UTC)', 'error'],
            jobs.map((j) => [j.queue, j.id, j.name, j.attempts, shortTime(j.failedAt), j.error]),
          );
        });
      }),
    );
  example(verb, 'mvshop queue failed --queue email');
}
