import type { Job } from 'bullmq';
import type { Config, Core } from '../core/index.ts';
import { AppError } from '../core/index.ts';
import { findSchedule, queueNames, queueNameSchema, scheduleNames, schedules, type QueueName, type ScheduleName } from '../core/jobs/index.ts';
import { WORKER_ACTOR } from './processor.ts';
import { closeQueues, openQueues, type Queues } from './queues.ts';
import { closeRedis, connectOperatorRedis } from './redis.ts';

export interface QueueCountsDto {
  queue: QueueName;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  failed: number;
  completed: number;
}

export interface FailedJobDto {
  id: string;
  /** The outbox topic (outbox jobs, whose id is the outbox row's id) or the schedule's name. */
  name: string;
  error: string;
  attempts: number;
  failedAt: string | null;
}

export interface JobDto extends FailedJobDto {
  queue: QueueName;
  /** BullMQ's state: waiting, active, delayed, prioritized, failed, completed … */
  state: string;
  /** What a completed job returned (a schedule's counts, an outbox job's outcome). */
  result: Record<string, unknown> | null;
}

export interface ScheduleDto {
  name: ScheduleName;
  queue: QueueName;
  everySeconds: number;
  enabled: boolean;
  /** When BullMQ will run it next; null when off or without Redis. */
  nextRunAt: string | null;
}

export type RunNowResult = { queued: true; queue: QueueName; jobId: string } | { queued: false; result: Record<string, number> };

/** What operators do with the queues (the `mvshop queue …` commands are thin wrappers around these). */
export interface QueueOperations {
  counts(): Promise<QueueCountsDto[]>;
  /** Failed jobs of one queue, newest first, with the error that failed them. */
  failed(queue: string, opts?: { offset?: number; limit?: number }): Promise<FailedJobDto[]>;
  /** One job of a queue with its state, or undefined when the queue has no such job. */
  job(queue: string, jobId: string): Promise<JobDto | undefined>;
  /** Runs one failed job again, with its attempts counted afresh (an outbox row that was dead is taken again). */
  retry(queue: string, jobId: string): Promise<void>;
  /** `retry` for every failed job of a queue; returns how many. */
  retryAll(queue: string): Promise<number>;
  /**
   * Runs a schedule's job now, on or off: queued on its queue with Redis; without Redis, run here and
   * its result returned.
   */
  runNow(schedule: string): Promise<RunNowResult>;
  /** Workers finish the jobs they hold and take no more from this queue until it is resumed. */
  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  schedules(): Promise<ScheduleDto[]>;
  close(): Promise<void>;
}

function queueName(raw: string): QueueName {
  const parsed = queueNameSchema.safeParse(raw);
  if (!parsed.success)
    throw new AppError('VALIDATION_FAILED', `Unknown queue "${raw}": must be one of ${queueNames.join(', ')}`, { fields: { queue: 'unknown' } });
  return parsed.data;
}

function scheduleNamed(raw: string) {
  const schedule = findSchedule(raw);
  if (!schedule) throw new AppError('NOT_FOUND', `No schedule named "${raw}": there are ${scheduleNames.join(', ')}`);
  return schedule;
}

const failedJobDto = (j: Job): FailedJobDto => ({
  id: j.id ?? '',
  name: j.name,
  error: j.failedReason,
  attempts: j.attemptsMade,
  failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
});

const scheduleList = (config: Config, next: (name: ScheduleName) => number | undefined): ScheduleDto[] =>
  scheduleNames.map((name) => {
    const everyMs = schedules[name].everyMs(config);
    const at = next(name);
    return { name, queue: schedules[name].queue, everySeconds: everyMs / 1000, enabled: everyMs > 0, nextRunAt: at ? new Date(at).toISOString() : null };
  });

/**
 * Opens the operations on the configured queues. Without REDIS_URL there are no queues (side effects
 * run in process from the outbox): those calls fail with SERVICE_UNAVAILABLE, and `runNow` runs the
 * schedule in this process through `core`.
 */
export async function openQueueOperations(core: Core): Promise<QueueOperations> {
  const { config } = core;
  if (!config.redisUrl) return embeddedOperations(core);
  const redis = await connectOperatorRedis(config.redisUrl);
  const queues: Queues = openQueues(config, redis);
  const queue = (raw: string) => queues.get(queueName(raw))!;

  const retryJob = async (name: string, jobId: string) => {
    const job = await queue(name).getJob(jobId);
    if (!job) throw new AppError('NOT_FOUND', `No job ${jobId} in queue ${name}`);
    const state = await job.getState();
    if (state !== 'failed') throw new AppError('INVALID_STATE', `Job ${jobId} is ${state}: only a failed job can be retried`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  };

  return {
    async counts() {
      return Promise.all(
        [...queues].map(async ([name, q]) => {
          const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
          return {
            queue: name,
            paused: await q.isPaused(),
            waiting: c.waiting ?? 0,
            active: c.active ?? 0,
            delayed: c.delayed ?? 0,
            prioritized: c.prioritized ?? 0,
            failed: c.failed ?? 0,
            completed: c.completed ?? 0,
          };
        }),
      );
    },
    async failed(name, { offset = 0, limit = 50 } = {}) {
      const jobs = await queue(name).getFailed(offset, offset + Math.min(Math.max(limit, 1), 500) - 1);
      return jobs.map(failedJobDto);
    },
    async job(name, jobId) {
      const job = await queue(name).getJob(jobId);
      if (!job) return undefined;
      return { ...failedJobDto(job), queue: queueName(name), state: await job.getState(), result: (job.returnvalue as Record<string, unknown> | undefined) ?? null };
    },
    retry: retryJob,
    async retryAll(name) {
      let retried = 0;
      for (;;) {
        const batch = await queue(name).getFailed(0, 99);
        let moved = 0;
        for (const j of batch) {
          // A job retried or removed meanwhile is no longer ours to retry.
          const ok = await retryJob(name, j.id!).then(
            () => true,
            () => false,
          );
          if (ok) moved++;
        }
        retried += moved;
        if (moved === 0) return retried;
      }
    },
    async runNow(raw) {
      const schedule = scheduleNamed(raw);
      const job = await queues.get(schedule.queue)!.add(schedule.name, { kind: 'schedule' }, { attempts: 1 });
      return { queued: true, queue: schedule.queue, jobId: job.id! };
    },
    pause: async (name) => queue(name).pause(),
    resume: async (name) => queue(name).resume(),
    async schedules() {
      const next = new Map<string, number>();
      for (const q of queues.values()) for (const s of await q.getJobSchedulers()) if (s.next) next.set(s.key, s.next);
      return scheduleList(config, (name) => next.get(name));
    },
    async close() {
      await closeQueues(queues);
      await closeRedis(redis);
    },
  };
}

function embeddedOperations(core: Core): QueueOperations {
  const noQueues = async (): Promise<never> => {
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Queues need Redis and REDIS_URL is not set: side effects run in process from the outbox (see `mvshop outbox status`)',
    );
  };
  return {
    counts: noQueues,
    failed: noQueues,
    job: noQueues,
    retry: noQueues,
    retryAll: noQueues,
    pause: noQueues,
    resume: noQueues,
    async runNow(raw) {
      const schedule = scheduleNamed(raw);
      return { queued: false, result: await schedule.run(core.ctx(WORKER_ACTOR)) };
    },
    schedules: async () => scheduleList(core.config, () => undefined),
    close: async () => undefined,
  };
}
