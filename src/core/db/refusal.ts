import { sql, type SQL } from 'drizzle-orm';

// The SQLSTATE refuse_write (migration 0012) raises: not one PostgreSQL uses.
const REFUSED = 'MV409';

/**
 * SQL that aborts the statement it runs in with `reason` (and `detail`, text), for a guard of a write
 * made as one statement: `CASE WHEN <guard failed> THEN ${refuseWrite('…')} END`. CASE evaluates only
 * the branch it takes, so nothing is raised while the guards hold.
 */
export function refuseWrite(reason: string, detail?: SQL): SQL {
  return sql`refuse_write(${reason}::text, ${detail ?? sql`NULL`}::text)`;
}

/** The reason and detail of a statement refused by refuseWrite, or undefined for any other error. */
export function refusalOf(err: unknown): { reason: string; detail: string } | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const { code, message, detail } = e as { code?: unknown; message?: unknown; detail?: unknown };
    if (code === REFUSED && typeof message === 'string') return { reason: message, detail: typeof detail === 'string' ? detail : '' };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
