import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { UsageError } from '../../io.ts';
import { runCommand } from '../../runtime.ts';
import { queueChange, withQueueOperations } from '../../queues.ts';

/**
 * `mvshop queue run SCHEDULE`: a schedule's job now, whether the schedule is on or off: queued for
 * the worker with Redis, run in this process without (as the embedded worker would).
 */
export default function register(program: Command): void {
  const verb = noun(program, 'queue')
    .command('run')
    .description('run a schedule now (see `mvshop queue stats`): queued for the worker, or in this process without REDIS_URL')
    .argument('<schedule>', 'the schedule, e.g. settlement.settle')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((name: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async (run) => {
        const { findSchedule, scheduleNames } = await import('../../../core/jobs/index.ts');
        const schedule = findSchedule(name);
        if (!schedule) throw new UsageError(`unknown schedule "${name}": there are ${scheduleNames.join(', ')}`);
        const queued = Boolean((await run.core()).config.redisUrl);
        await withQueueOperations(run, async (ops) => {
          const { io } = run;
          const where = queued ? `on queue ${schedule.queue} for the worker` : 'in this process (no REDIS_URL)';
          const outcome = await queueChange(
            run,
            `Run schedule ${name} now, ${where}?`,
            () => ops.runNow(name),
            (r) => ({ action: 'queue.run', target: name, reason: opts.reason, details: r ? { ...r } : { queued } }),
          );
          if (io.json) return io.printJson({ schedule: name, queue: schedule.queue, ...outcome });
          if (!outcome) return io.print(`Would run schedule ${name} ${where}.`);
          if (outcome.queued) return io.print(`Queued schedule ${name} on queue ${outcome.queue} as job ${outcome.jobId}.`);
          io.table(['result', 'count'], Object.entries(outcome.result));
          io.print(`Ran schedule ${name} in this process.`);
        });
      }),
    );
  example(verb, 'mvshop queue run settlement.settle --reason "month end" --yes');
}
