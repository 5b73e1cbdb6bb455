import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
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

const dialect = new PgDialect();
const statementNames = new Map<string, string>();
// A connection keeps every statement it was asked to prepare; shapes are few, so this is a guard, not a budget.
const MAX_NAMED_STATEMENTS = 200;

/**
 * Runs a statement as a named (server-side prepared) one, on any handle: a transaction too, where
 * drizzle's `.prepare()` cannot follow. PostgreSQL then parses and plans each distinct text once per
 * connection instead of on every call; the checkout's write statement spent about 3 ms there. For
 * statements whose text depends only on their shape (values travel as parameters, many rows as one
 * JSON parameter). Returns the raw rows.
 */
export async function runNamed<T>(db: Db, query: SQL): Promise<T[]> {
  const built = dialect.sqlToQuery(query);
  const result = (await db._.session.prepareQuery(built, undefined, statementName(built.sql), false).execute()) as { rows: T[] };
  return result.rows;
}

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED_STATEMENTS) statementNames.set(text, (name = `mvshop_shape_${statementNames.size + 1}`));
  return name;
}

/**
 * runNamed for a statement of one fixed text, its values as `sql.placeholder(...)`: the text is built
 * once, and the query object once per database handle (`prepared`; per transaction inside one), so a
 * call only binds its values. For the hottest single statements (the product page, a catalog page's
 * rows, the cart's reads), where building the text and the query object each time was ~4 % of a request's CPU.
 */
export function namedStatement<T>(query: SQL): (db: Db, values: Record<string, unknown>) => Promise<T[]> {
  const built = dialect.sqlToQuery(query);
  const name = statementName(built.sql);
  const statement = prepared((db) => db._.session.prepareQuery(built, undefined, name, false) as Prepared<{ rows: T[] }>);
  return async (db, values) => (await statement(db).execute(values)).rows;
}

/**
 * runNamed for a statement whose text depends only on a few choices, its shape (which writes it makes,
 * which columns their rows carry): `build` makes it once per `shape`, every value as
 * `sql.placeholder(...)`, so a call only fills in `values`. For the checkout's write, whose dozens of
 * pieces drizzle otherwise put together on every order (~5 % of the API's CPU on the checkout
 * bench). Shapes past the named statements' guard are built every time.
 */
export function shapedStatement<T>(): (db: Db, shape: string, build: () => SQL, values: Record<string, unknown>) => Promise<T[]> {
  const shapes = new Map<string, { built: { sql: string; params: unknown[] }; name: string | undefined }>();
  return async (db, shape, build, values) => {
    let found = shapes.get(shape);
    if (!found) {
      const built = dialect.sqlToQuery(build());
      found = { built, name: statementName(built.sql) };
      if (shapes.size < MAX_NAMED_STATEMENTS) shapes.set(shape, found);
    }
    const result = (await db._.session.prepareQuery(found.built, undefined, found.name, false).execute(values)) as { rows: T[] };
    return result.rows;
  };
}

/** `ids` as one text[] parameter (an array value in drizzle's sql would become one parameter per id). */
export const textArray = (ids: string[]) => `{${ids.map((id) => `"${id.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
