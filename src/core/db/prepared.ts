import type { Db } from './client.ts';

/** What `.prepare(name)` returns: the query is built once, each execution only binds values. */
export interface Prepared<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/**
 * A statement of a hot path, prepared once per database handle. drizzle rebuilds a query's SQL on every
 * call (a fifth of the API's CPU on the product page); a prepared one is built once. Given a name
 * (`.prepare('name')`), `pg` also has the server parse and plan it once per connection, which suits
 * key lookups; unnamed, it is planned for each execution's values. Values go in as
 * `sql.placeholder(...)`. A transaction is its own handle, so inside one this still builds per
 * transaction: keep it for statements that run outside transactions, or many times inside one.
 */
export function prepared<R>(build: (db: Db) => Prepared<R>): (db: Db) => Prepared<R> {
  const byDb = new WeakMap<Db, Prepared<R>>();
  return (db) => {
    let query = byDb.get(db);
    if (!query) byDb.set(db, (query = build(db)));
    return query;
  };
}
