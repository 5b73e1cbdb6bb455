import type { OutboxRow } from '../outbox/index.ts';

/**
 * Outbox rows this process's relay claimed, held for this process's jobs: a job starting for the
 * first time takes its row from here instead of reading it back (with a mail server's latency, jobs
 * start one by one and each read was a statement of its own: most of the worker's database work).
 * Only a first start may: the claim made the row this relay's, and nothing but the row's job changes
 * it after that. A retried or stalled job reads the row, which says whether an earlier start already
 * delivered it. Bounded: a row whose job another process runs is forgotten once `limit` newer ones
 * are held.
 */
export interface HeldRows {
  hold(rows: readonly OutboxRow[]): void;
  /** Rows handed back to the outbox (the queue could not take their jobs): another claim owns them next. */
  release(ids: readonly string[]): void;
  /** The row for a starting job, once: any start of the job clears it. */
  take(id: string): OutboxRow | undefined;
}

export function createHeldRows(limit = 10_000): HeldRows {
  const rows = new Map<string, OutboxRow>();
  return {
    hold(claimed) {
      for (const row of claimed) {
        rows.delete(row.id);
        rows.set(row.id, row);
      }
      // A Map iterates in insertion order: the first keys are the oldest.
      for (const id of rows.keys()) {
        if (rows.size <= limit) break;
        rows.delete(id);
      }
    },
    release(ids) {
      for (const id of ids) rows.delete(id);
    },
    take(id) {
      const row = rows.get(id);
      rows.delete(id);
      return row;
    },
  };
}
