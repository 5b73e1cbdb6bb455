import type { Command } from 'commander';
import type { AuditInput } from '../core/audit/index.ts';
import type { QueueName } from '../core/jobs/index.ts';
import type { QueueOperations } from '../worker/operations.ts';
import { dryRunOption } from './args.ts';
import { parseArg, runCommand, type CliRun } from './runtime.ts';

/** The worker's queue operations for one command (no Redis: they say queues need it), closed when `fn` ends. */
export async function withQueueOperations<T>(run: CliRun, fn: (ops: QueueOperations) => Promise<T>): Promise<T> {
  const core = await run.core();
  const { openQueueOperations } = await import('../worker/operations.ts');
  const ops = await openQueueOperations(core);
  try {
    return await fn(ops);
  } finally {
    await ops.close();
  }
}

/** A queue name typed by the operator, or a usage error listing the queues (before Redis is asked). */
export async function queueArg(value: string, flag: string): Promise<QueueName> {
  const { queueNameSchema } = await import('../core/jobs/index.ts');
  return parseArg(queueNameSchema, value, flag);
}

/** `--queue Q` if given, else every queue. */
export async function queuesArg(value: string | undefined): Promise<QueueName[]> {
  if (value !== undefined) return [await queueArg(value, '--queue')];
  return [...(await import('../core/jobs/index.ts')).queueNames];
}

/**
 * A change to the queues as the operator: asked first on a terminal (unless --yes), done in Redis,
 * then recorded in the audit log with what it did. Redis has no transaction to rehearse in, so under
 * --dry-run `act` is not called (the result is undefined) and only the audit row is rehearsed.
 */
export async function queueChange<T>(
  run: CliRun,
  question: string,
  act: () => Promise<T>,
  audit: (result: T | undefined) => AuditInput,
): Promise<T | undefined> {
  const { recordAudit } = await import('../core/audit/index.ts');
  return run.change(question, async (c) => {
    const result = run.dryRun ? undefined : await act();
    await recordAudit(c, audit(result));
    return result;
  });
}

/** `mvshop queue pause Q` and `resume Q`: the same command both ways, recorded in the audit log. */
export function pauseOrResume(group: Command, verb: 'pause' | 'resume'): Command {
  const pause = verb === 'pause';
  return group
    .command(verb)
    .description(
      pause
        ? 'pause a queue: workers finish the jobs they hold and take no more from it until it is resumed'
        : 'resume a paused queue: workers take its jobs again',
    )
    .argument('<queue>', 'the queue: email, payments, settlement or maintenance')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((raw: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async (run) => {
        const queue = await queueArg(raw, 'queue');
        await withQueueOperations(run, async (ops) => {
          const question = pause
            ? `Pause queue ${queue}? Its jobs wait until \`mvshop queue resume ${queue}\`.`
            : `Resume queue ${queue}? Workers take its jobs again.`;
          await queueChange(run, question, () => (pause ? ops.pause(queue) : ops.resume(queue)), () => ({ action: `queue.${verb}`, target: queue, reason: opts.reason }));
          const paused = (await ops.counts()).find((c) => c.queue === queue)!.paused;
          if (run.io.json) return run.io.printJson({ queue, paused });
          run.io.print(run.dryRun ? `Would ${verb} queue ${queue} (now ${paused ? 'paused' : 'running'}).` : `Queue ${queue} is ${paused ? 'paused' : 'running'}.`);
        });
      }),
    );
}
