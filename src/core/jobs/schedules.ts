import { purgeExpiredTokens } from '../auth/index.ts';
import type { Config } from '../config.ts';
import type { Ctx } from '../context.ts';
import { vacuumTables } from '../db/index.ts';
import { findingKinds, pruneWebhookEvents, reconcilePayments, reconcileReport, settleAllDueOrders } from '../flows/index.ts';
import { pruneOutbox } from '../outbox/index.ts';
import type { QueueName } from './queues.ts';

/** Repeating work: which queue runs it, how often (from config), and the core call one run makes. */
export interface Schedule {
  queue: QueueName;
  /** Milliseconds between runs; 0 turns the schedule off. */
  everyMs(config: Config): number;
  /** One run. Returns counts for the job's result and its log line. */
  run(ctx: Ctx): Promise<Record<string, number>>;
}

/**
 * Every schedule, by name. The worker registers each one that is on as a BullMQ job scheduler (one
 * run per interval however many workers there are) or, without Redis, on an in-process timer.
 */
export const schedules = {
  'payments.reconcile': {
    queue: 'payments',
    // Without Stripe there is nothing to reconcile.
    everyMs: (c) => (c.stripe.secretKey ? c.schedules.paymentsReconcileMs : 0),
    run: async (ctx) => ({ ...(await reconcilePayments(ctx)) }),
  },
  'payments.reconcile-report': {
    queue: 'payments',
    everyMs: (c) => (c.stripe.secretKey ? c.schedules.reconcileReportMs : 0),
    // Each run covers its own interval and the one before, so a late or missed run leaves no gap.
    run: async (ctx) => {
      const since = new Date(ctx.clock.now().getTime() - 2 * ctx.config.schedules.reconcileReportMs);
      const { byKind, matched } = await reconcileReport(ctx, { since }, { notify: true });
      return { ...matched, ...Object.fromEntries(findingKinds.map((k) => [k, byKind[k].count])) };
    },
  },
  'settlement.settle': {
    queue: 'settlement',
    everyMs: (c) => c.schedules.settlementMs,
    run: async (ctx) => {
      const { count, amountMinor, batches } = await settleAllDueOrders(ctx);
      return { count, amountMinor, batches };
    },
  },
  'maintenance.expired-tokens': {
    queue: 'maintenance',
    everyMs: (c) => c.schedules.maintenanceMs,
    run: (ctx) => purgeExpiredTokens(ctx),
  },
  'maintenance.outbox': {
    queue: 'maintenance',
    everyMs: (c) => c.schedules.maintenanceMs,
    run: (ctx) => pruneOutbox(ctx, ctx.config.outbox.retentionDays),
  },
  'maintenance.webhook-events': {
    queue: 'maintenance',
    everyMs: (c) => c.schedules.maintenanceMs,
    run: (ctx) => pruneWebhookEvents(ctx, ctx.config.stripe.eventRetentionDays),
  },
  'maintenance.vacuum': {
    queue: 'maintenance',
    // On a PostgreSQL server autovacuum does this; the embedded database runs no autovacuum.
    everyMs: (c) => (c.database.url ? 0 : c.schedules.maintenanceMs),
    run: (ctx) => vacuumTables(ctx),
  },
} satisfies Record<string, Schedule>;

export type ScheduleName = keyof typeof schedules;
export const scheduleNames = Object.keys(schedules) as ScheduleName[];

export function findSchedule(name: string): (Schedule & { name: ScheduleName }) | undefined {
  return Object.hasOwn(schedules, name) ? { name: name as ScheduleName, ...schedules[name as ScheduleName] } : undefined;
}
