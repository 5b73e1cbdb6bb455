import { is, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { AppError } from '../shared/errors.ts';
import type { Db } from './client.ts';
import { pgErrorCode } from './pg-error.ts';

export { pgErrorCode };

// What to do once a transaction opened by withTx commits (see onCommit), keyed by its handle.
const commitHooks = new WeakMap<object, (() => void)[]>();

/** Joins the transaction `ctx.db` is already in, or opens one. The use case owns its atomic unit. */
export async function withTx<T>(ctx: { db: Db }, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (is(ctx.db, PgTransaction)) return fn(ctx.db);
  const hooks: (() => void)[] = [];
  const result = await ctx.db.transaction((tx) => {
    commitHooks.set(tx, hooks);
    return fn(tx as unknown as Db);
  });
  for (const hook of hooks) hook();
  return result;
}

/**
 * Runs `fn` once the transaction `db` belongs to has committed (never if it rolls back), or at once
 * outside a transaction. For notifications about a change that must not be seen before it is real.
 * A transaction not opened by withTx cannot be followed, so `fn` runs at once there too.
 */
export function onCommit(db: Db, fn: () => void): void {
  const hooks = commitHooks.get(db);
  if (hooks) hooks.push(fn);
  else fn();
}

/**
 * `withTx`, run again (up to `attempts` times in all) when PostgreSQL aborts it to break a deadlock
 * (40P01): everything it did was rolled back, so it can simply start over; after the last attempt it
 * is a 409 the client may retry. For transactions whose whole effect is in the database. Inside a
 * caller's transaction the error goes up to that caller.
 */
export async function withTxRetry<T>(ctx: { db: Db }, fn: (tx: Db) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTx(ctx, fn);
    } catch (err) {
      if (is(ctx.db, PgTransaction) || pgErrorCode(err) !== '40P01') throw err;
      if (attempt >= attempts) throw tooManyAtOnce();
    }
  }
}

/** A transaction PostgreSQL aborted to break a deadlock, every time it was tried. */
export const tooManyAtOnce = () =>
  new AppError('CONFLICT', 'Too many checkouts of the same items at once; nothing was changed, please try again', { retryable: true });

export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';

/** Rows of a raw SQL statement; pg and PGlite both answer with `{ rows }`. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
