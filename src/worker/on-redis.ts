import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config, Core } from '../core/index.ts';
import { createHeldRows, createOutboxJobRunner, jobDataSchema, queueNames, relayOutbox } from '../core/jobs/index.ts';
import { failQueuedRow } from '../core/outbox/index.ts';
import { errorMessageOf } from '../core/shared/log.ts';
import { createPollingLoop } from '../core/shared/polling-loop.ts';
import { jobProcessor, WORKER_ACTOR } from './processor.ts';
import { bullmqJobQueue, closeQueues, openQueues } from './queues.ts';
import { closeRedis, connectProducerRedis, connectWorkerRedis } from './redis.ts';
import { syncSchedulers } from './schedulers.ts';

export interface StartedPart {
  runs: string[];
  redis?: Redis;
  close(): Promise<void>;
}

/**
 * The worker on Redis: a BullMQ worker per queue, the relay from the outbox to the queues, and the
 * schedules as BullMQ job schedulers. Blocks until Redis answers (the schedulers are registered first).
 */
export async function startOnRedis(config: Config, core: Core, log: Logger, url: string): Promise<StartedPart> {
  const workerRedis = connectWorkerRedis(url, log);
  const producerRedis = connectProducerRedis(url);
  // Registering schedulers waits out a Redis outage; the relay's queues fail fast instead.
  const queues = openQueues(config, workerRedis);
  const relayQueues = openQueues(config, producerRedis);
  for (const q of [...queues.values(), ...relayQueues.values()])
    q.on('error', (err) => log.debug({ queue: q.name, err }, 'queue connection error'));
  const scheduled = await syncSchedulers(config, queues);
  if (producerRedis.status !== 'ready') await new Promise((resolve) => producerRedis.once('ready', resolve));

  const base = core.ctx(WORKER_ACTOR, log);
  const jobQueue = bullmqJobQueue(relayQueues, producerRedis);
  const held = createHeldRows();
  let relayDown = false;
  const relay = createPollingLoop(
    async () => {
      const n = await relayOutbox(base, jobQueue, { held });
      if (relayDown) log.info('outbox relay resumed');
      relayDown = false;
      return n;
    },
    config.outbox.pollMs,
    (err) => {
      if (!relayDown) log.warn({ err }, 'outbox relay failed; rows stay in the outbox for the next pass');
      relayDown = true;
    },
  );

  const runner = createOutboxJobRunner(base, held);
  const workers = queueNames.map((name) => {
    const worker = new Worker(name, jobProcessor(name, { core, runner, log, afterCommit: () => relay.kick() }), {
      connection: workerRedis,
      prefix: config.worker.queuePrefix,
      concurrency: config.worker.concurrency[name],
      lockDuration: config.worker.stalledSeconds * 1000,
      stalledInterval: config.worker.stalledSeconds * 1000,
      removeOnComplete: { count: 1000 },
      removeOnFail: { age: config.worker.keepFailedDays * 86_400 },
    });
    worker.on('error', (err) => log.warn({ queue: name, err }, 'queue worker error'));
    // A job can also fail outside its processor (stalled too often after crashes): its row is dead too.
    worker.on('failed', (job, err) => {
      if (!job?.id || !job.finishedOn || jobDataSchema.safeParse(job.data).data?.kind !== 'outbox') return;
      failQueuedRow(base, job.id, { message: errorMessageOf(err), dead: true }).catch((e: unknown) =>
        log.error({ queue: name, jobId: job.id, err: e }, 'could not mark the outbox row dead'),
      );
    });
    return worker;
  });
  relay.start();

  return {
    runs: ['outbox-relay', ...queueNames.map((q) => `queue:${q}`), ...scheduled.map((s) => `schedule:${s}`)],
    redis: workerRedis,
    async close() {
      // Stop taking jobs and let running ones finish, within WORKER_SHUTDOWN_SECONDS.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), config.worker.shutdownSeconds * 1000);
      });
      const finished = await Promise.race([Promise.all(workers.map((w) => w.close())).then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      if (finished === 'late') await Promise.all(workers.map((w) => w.close(true)));
      await relay.stop();
      await closeQueues(queues);
      await closeQueues(relayQueues);
      await closeRedis(producerRedis);
      await closeRedis(workerRedis);
      if (finished === 'late')
        throw new Error(
          `jobs still running after WORKER_SHUTDOWN_SECONDS (${config.worker.shutdownSeconds}); left to BullMQ, which runs them again`,
        );
    },
  };
}
