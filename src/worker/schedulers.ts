import type { Config } from '../core/index.ts';
import { scheduleNames, schedules, type ScheduleName } from '../core/jobs/index.ts';
import type { Queues } from './queues.ts';

/** The schedules config turns on (interval above 0). */
export const enabledSchedules = (config: Config): ScheduleName[] => scheduleNames.filter((n) => schedules[n].everyMs(config) > 0);

/**
 * Makes Redis hold exactly the schedules config turns on: each as a BullMQ job scheduler named after
 * it (upserting one that exists keeps its next run, so workers starting together agree), and any
 * other scheduler on these queues (turned off, renamed) removed. Every worker does this at start.
 */
export async function syncSchedulers(config: Config, queues: Queues): Promise<ScheduleName[]> {
  const on = enabledSchedules(config);
  for (const [queueName, queue] of queues)
    for (const existing of await queue.getJobSchedulers())
      if (!on.some((n) => n === existing.key && schedules[n].queue === queueName)) await queue.removeJobScheduler(existing.key);
  for (const name of on)
    await queues
      .get(schedules[name].queue)!
      .upsertJobScheduler(name, { every: schedules[name].everyMs(config) }, { name, data: { kind: 'schedule' }, opts: { attempts: 1 } });
  return on;
}
