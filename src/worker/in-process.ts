import type { Logger } from 'pino';
import type { Config, Core } from '../core/index.ts';
import { schedules } from '../core/jobs/index.ts';
import { createPollingLoop } from '../core/shared/polling-loop.ts';
import { runLogged } from './job-log.ts';
import { WORKER_ACTOR } from './processor.ts';
import { enabledSchedules } from './schedulers.ts';
import type { StartedPart } from './on-redis.ts';

/**
 * The worker without Redis (the embedded default): the core's outbox poller runs the same handlers
 * in this process, and each schedule runs on a timer here, one run at a time. With one process
 * there is nobody to share a schedule with.
 */
export function startInProcess(config: Config, core: Core, log: Logger, opts: { outbox: boolean }): StartedPart {
  const runs: string[] = [];
  if (opts.outbox) {
    core.outbox.start();
    runs.push('outbox-poller');
  }
  const timers = enabledSchedules(config).map((name) => {
    const schedule = schedules[name];
    const jobLog = log.child({ queue: schedule.queue, job: name, inProcess: true });
    runs.push(`timer:${name}`);
    return createPollingLoop(
      async () => {
        await runLogged(jobLog, () => schedule.run(core.ctx(WORKER_ACTOR, jobLog)), () => true);
        return 0;
      },
      schedule.everyMs(config),
      // runLogged has logged the failure; the next tick runs it again.
      () => undefined,
    );
  });
  for (const t of timers) t.start();
  return {
    runs,
    async close() {
      await Promise.all(timers.map((t) => t.stop()));
      if (opts.outbox) await core.outbox.stop();
    },
  };
}
