import { z } from 'zod';
import { MAIL_TOPIC, sendEmailHandler } from '../mail/index.ts';
import { UNREAD_EMAIL_TOPIC, unreadEmailHandler } from '../messaging/index.ts';
import type { OutboxHandler, OutboxHandlers } from '../outbox/index.ts';

/** The worker's queues, one per concern: each has its own concurrency and can be paused on its own. */
export const queueNames = ['email', 'payments', 'settlement', 'maintenance'] as const;
export type QueueName = (typeof queueNames)[number];
export const queueNameSchema = z.enum(queueNames, { error: `must be one of ${queueNames.join(', ')}` });

/** Every outbox topic: the handler that delivers it and the queue its jobs run on. */
export const outboxTopics: Record<string, { queue: QueueName; handler: OutboxHandler }> = {
  [MAIL_TOPIC]: { queue: 'email', handler: sendEmailHandler },
  [UNREAD_EMAIL_TOPIC]: { queue: 'email', handler: unreadEmailHandler },
};

/** The same handlers, by topic, for the in-process poller. */
export const outboxHandlers: OutboxHandlers = Object.fromEntries(Object.entries(outboxTopics).map(([topic, t]) => [topic, t.handler]));

export const topicQueue = (topic: string): QueueName | undefined =>
  Object.hasOwn(outboxTopics, topic) ? outboxTopics[topic]!.queue : undefined;

/**
 * A job's data. Outbox jobs carry nothing but their kind: the job id is the outbox row's id and the
 * payload stays in PostgreSQL (it may hold one-time links, which Redis should never keep).
 */
export const jobDataSchema = z.object({ kind: z.enum(['outbox', 'schedule']) });
export type JobData = z.infer<typeof jobDataSchema>;
