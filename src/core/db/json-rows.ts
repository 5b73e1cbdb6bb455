import { getTableColumns, getTableName, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

interface Shape {
  columns: [key: string, column: PgColumn][];
  head: SQL;
  tail: SQL;
}
const shapes = new WeakMap<PgTable, Map<string, Shape>>();

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The statement text around the JSON parameter, built once per table and set of columns. */
function shapeOf(table: PgTable, keys: string[]): Shape {
  let byKeys = shapes.get(table);
  if (!byKeys) shapes.set(table, (byKeys = new Map()));
  const signature = keys.join(',');
  let shape = byKeys.get(signature);
  if (!shape) {
    const columns = Object.entries(getTableColumns(table)).filter(([key]) => keys.includes(key));
    const names = columns.map(([, c]) => quote(c.name)).join(', ');
    const types = columns.map(([, c]) => `${quote(c.name)} ${c.getSQLType()}`).join(', ');
    shape = {
      columns,
      head: sql.raw(`INSERT INTO ${quote(getTableName(table))} (${names}) SELECT ${names} FROM jsonb_to_recordset(`),
      tail: sql.raw(`::jsonb) AS r(${types})`),
    };
    byKeys.set(signature, shape);
  }
  return shape;
}

/** insertJsonRows in two parts, for a statement built once per shape: the insert around a JSON parameter, and that parameter. */
export interface JsonRows {
  /** The table and the columns the rows carry: rows of one signature make the same statement text. */
  signature: string;
  /** The rows as the JSON the statement reads. */
  json: string;
  /** The INSERT, reading its rows from `json` (the JSON text, or a placeholder for it). */
  insert(json: string | SQLWrapper): SQL;
}

/**
 * An INSERT of many rows that sends them as one JSON parameter (`jsonb_to_recordset`) instead of a
 * parameter per value. drizzle builds a multi-row VALUES list chunk by chunk: the ~120 values of a
 * two-shop checkout took about 0.6 ms of CPU to build, more than the rest of its statements; this
 * takes a few microseconds. Values go through each column's driver mapping (json columns stay
 * JSON). A column no row carries takes its default; one that some rows carry is NULL in the others,
 * so rows should carry the same columns. `rows` must not be empty.
 */
export function jsonRows<T extends PgTable>(table: T, rows: T['$inferInsert'][]): JsonRows {
  const keys = new Set<string>();
  for (const row of rows) for (const [key, value] of Object.entries(row)) if (value !== undefined) keys.add(key);
  const sorted = [...keys].sort();
  const { columns, head, tail } = shapeOf(table, sorted);
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const value = (row as Record<string, unknown>)[key];
      record[column.name] =
        value === undefined || value === null ? null : column.columnType === 'PgJsonb' || column.columnType === 'PgJson' ? value : column.mapToDriverValue(value);
    }
    return record;
  });
  return {
    signature: `${getTableName(table)}(${sorted.join(',')})`,
    json: JSON.stringify(records),
    insert: (json) => sql`${head}${json}${tail}`,
  };
}

/** jsonRows as one statement, its rows inline. */
export function insertJsonRows<T extends PgTable>(table: T, rows: T['$inferInsert'][]): SQL {
  const r = jsonRows(table, rows);
  return r.insert(r.json);
}

/**
 * A timestamptz read back from a statement's JSON (`to_json`, `json_build_object`): PostgreSQL writes it
 * as ISO 8601 with its offset, whatever the session's DateStyle, so `Date` reads the same instant.
 */
export function jsonTime(v: string): Date;
export function jsonTime(v: string | null): Date | null;
export function jsonTime(v: string | null): Date | null {
  return v === null ? null : new Date(v);
}
