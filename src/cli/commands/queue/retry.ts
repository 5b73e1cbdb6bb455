import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { AppError } from '../../../core/shared/errors.ts';
import { UsageError } from '../../io.ts';
import { runCommand } from '../../runtime.ts';
import { queueChange, queuesArg, withQueueOperations } from '../../queues.ts';

/**
 * `mvshop queue retry JOB | --all-failed [--queue Q]`: runs failed jobs again with their attempts
 * counted afresh; an email whose outbox row was dead is taken again.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'queue')
    .command('retry')
    .description('run a failed job again (or every failed job with --all-failed), its attempts counted afresh')
    .argument('[jobId]', 'the failed job (see `mvshop queue failed`)')
    .option('--all-failed', 'retry every failed job (of --queue, or of every queue)')
    .option('--queue <name>', 'the queue (needed only when two queues hold a job with that id)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((jobId: string | undefined, opts: { allFailed?: boolean; queue?: string; reason?: string }, cmd: Command) =>
      runCommand(cmd, async (run) => {
        if ((jobId === undefined) === !opts.allFailed) throw new UsageError('give either a job id or --all-failed');
        const names = await queuesArg(opts.queue);
        await withQueueOperations(run, async (ops) => {
          const { io } = run;
          if (opts.allFailed) {
            const counts = (await ops.counts()).filter((c) => names.includes(c.queue));
            const failed = counts.reduce((n, c) => n + c.failed, 0);
            const where = opts.queue ? `queue ${opts.queue}` : 'every queue';
            const retried = await queueChange(
              run,
              `Retry ${failed} failed job(s) of ${where}?`,
              async () => (await Promise.all(names.map((q) => ops.retryAll(q)))).reduce((a, b) => a + b, 0),
              (n) => ({ action: 'queue.retry-all', target: opts.queue ?? 'queues', reason: opts.reason, details: { queues: names, retried: n ?? 0 } }),
            );
            if (io.json) return io.printJson({ queues: names, failed, retried: retried ?? 0 });
            return io.print(run.dryRun ? `Would retry ${failed} failed job(s) of ${where}.` : `Retried ${retried} failed job(s) of ${where}.`);
          }
          const id = jobId!;
          const found = (await Promise.all(names.map((q) => ops.job(q, id)))).filter((j) => j !== undefined);
          if (found.length === 0) throw new AppError('NOT_FOUND', `No job ${id} in ${opts.queue ? `queue ${opts.queue}` : 'any queue'}`);
          if (found.length > 1) throw new UsageError(`job ${id} is in queues ${found.map((j) => j.queue).join(', ')}: say which with --queue`);
          const job = found[0]!;
          if (job.state !== 'failed') throw new AppError('INVALID_STATE', `Job ${id} is ${job.state}: only a failed job can be retried`);
          await queueChange(
            run,
            `Retry job ${id} (${job.name}) of queue ${job.queue}? It failed after ${job.attempts} attempt(s): ${job.error}`,
            () => ops.retry(job.queue, id),
            () => ({ action: 'queue.retry', target: `${job.queue}/${id}`, reason: opts.reason, details: { queue: job.queue, jobId: id, name: job.name, error: job.error } }),
          );
          if (io.json) return io.printJson({ queue: job.queue, jobId: id, name: job.name, retried: !run.dryRun });
          io.print(`${run.dryRun ? 'Would retry' : 'Retried'} job ${id} (${job.name}) of queue ${job.queue}.`);
        });
      }),
    );
  example(verb, 'mvshop queue retry --all-failed --queue email --reason "SMTP relay back up" --yes');
}
