import { UnrecoverableError, type Processor } from 'bullmq';
import type { Logger } from 'pino';
import type { Actor, Core, Ctx } from '../core/index.ts';
import { AppError } from '../core/index.ts';
import { findSchedule, jobDataSchema, type JobData, type OutboxJobRunner, type QueueName } from '../core/jobs/index.ts';
import { isRetryable } from '../core/shared/errors.ts';
import { parseInput } from '../core/shared/validation.ts';
import { runLogged, type JobResult } from './job-log.ts';

export const WORKER_ACTOR: Actor = { kind: 'system', name: 'worker' };

export interface ProcessorDeps {
  core: Core;
  runner: OutboxJobRunner;
  log: Logger;
  /** After a job's transaction wrote outbox rows: relay them now rather than at the next poll. */
  afterCommit: () => void;
}

/**
 * A queue's processor: parse the job, build a context, call core, map the outcome. An error that
 * cannot succeed later (bad input, wrong state) becomes BullMQ's UnrecoverableError, so the job
 * fails at once instead of using up its attempts.
 */
export function jobProcessor(queue: QueueName, deps: ProcessorDeps): Processor<JobData, JobResult> {
  return async (job) => {
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const log = deps.log.child({ queue, jobId: job.id, job: job.name, attempt });
    const ctx: Ctx = { ...deps.core.ctx(WORKER_ACTOR, log), afterCommit: deps.afterCommit };
    const work = async (): Promise<JobResult> => {
      const data = parseInput(jobDataSchema, job.data);
      if (data.kind === 'outbox') return { outcome: await deps.runner.run(ctx, job.id!, { lastAttempt, firstStart: job.attemptsStarted <= 1 }) };
      const schedule = findSchedule(job.name);
      if (!schedule) throw new AppError('NOT_FOUND', `no schedule is named ${job.name}`);
      return schedule.run(ctx);
    };
    try {
      return await runLogged(log, work, (err) => isRetryable(err) && !lastAttempt);
    } catch (err) {
      if (isRetryable(err)) throw err;
      throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
    }
  };
}
