import { sql } from 'drizzle-orm';
import type { Ctx, Ports } from '../core/context.ts';
import { queryRows, type Db } from '../core/db/index.ts';
import type { PaymentProvider } from '../core/payments/index.ts';

/** What a command would have done: rows per table, and calls to the outside world it did not make. */
export interface DryRunReport {
  changes: { table: string; inserted: number; updated: number; deleted: number }[];
  calls: string[];
}

class RolledBack extends Error {}

/**
 * Runs a state change for real, inside one transaction that is then rolled back, so `--dry-run` shows
 * exactly what the same core call would do (the same checks, errors and results) and keeps none of it.
 * The transaction's own statistics count the rows it wrote. The outside world is recorded instead of
 * called: Stripe's mutating calls and email answer as if they had succeeded, reads still go through.
 */
export async function rehearse<T>(ctx: Ctx, fn: (ctx: Ctx) => Promise<T>): Promise<{ result: T; report: DryRunReport }> {
  const calls: string[] = [];
  let outcome: { result: T; report: DryRunReport } | undefined;
  try {
    await ctx.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      // No afterCommit: nothing commits, so nothing should wake the outbox.
      const result = await fn({ ...ctx, db, afterCommit: undefined, ports: recordingPorts(ctx, calls) });
      const changes = await queryRows<{ table: string; inserted: number; updated: number; deleted: number }>(
        db,
        sql`SELECT relname AS "table", n_tup_ins::int AS inserted, n_tup_upd::int AS updated, n_tup_del::int AS deleted
            FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname`,
      );
      outcome = { result, report: { changes, calls } };
      throw new RolledBack();
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return outcome!;
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

function recordingPorts({ ports, config }: Ctx, calls: string[]): Ports {
  return {
    ...ports,
    mailer: {
      kind: ports.mailer.kind,
      async send(m) {
        calls.push(`email "${m.subject}" to ${m.to}`);
        return { messageId: m.messageId ?? '<dry-run@mvshop>' };
      },
      close: () => undefined,
    },
    media: {
      kind: ports.media.kind,
      async put(image, folder) {
        calls.push(`store a ${image.type} image in ${folder}`);
        return { public_id: `${folder}/dry-run`, url: 'about:blank' };
      },
      async remove(publicId) {
        calls.push(`remove image ${publicId}`);
      },
    },
    payments: ports.payments && recordingPayments(ports.payments, config.currency, calls),
  };
}

/** Reads (retrieve, verify) reach Stripe; anything that would move money or change an intent is recorded. */
function recordingPayments(real: PaymentProvider, currency: string, calls: string[]): PaymentProvider {
  return {
    ...real,
    async createIntent(i) {
      calls.push(`Stripe: create a payment of ${money(i.amountMinor, i.currency)}`);
      return { id: 'pi_dry_run', status: 'requires_payment_method', amountMinor: i.amountMinor, currency: i.currency, clientSecret: null, metadata: i.metadata };
    },
    async updateIntentAmount(id, amountMinor) {
      calls.push(`Stripe: change payment ${id} to ${money(amountMinor, currency)}`);
      return { ...(await real.retrieveIntent(id)), amountMinor };
    },
    async cancelIntent(id) {
      calls.push(`Stripe: cancel payment ${id}`);
    },
    async refund(i) {
      calls.push(`Stripe: refund ${money(i.amountMinor, currency)} of payment ${i.paymentIntentId}`);
      return { id: 're_dry_run', status: 'succeeded', amountMinor: i.amountMinor, metadata: i.metadata, failureReason: null };
    },
  };
}
