import pg from 'pg';

type QueryCallback = (err: Error | undefined, result?: pg.QueryResult) => void;

/**
 * Replaces `pool.query` with a checkout, a query and a release. pg-pool's own `query` hands the pool a
 * callback that holds the query's promise; when that query makes the pool open a client, the client's
 * connection listeners close over that callback for as long as the client lives. So the client opened
 * by the catalog index's read of every listing's units sold (100,000 rows) held those rows, ~10 MB of
 * live heap, for the rest of the process. A checkout leaves only the client itself behind.
 *
 * A statement PostgreSQL refused with an ERROR leaves its connection usable, so the client goes back to
 * the pool; pg-pool's `query` closed it and opened another for the next query (a checkout refused for
 * stock, a unique violation). A client whose connection broke or whose session the server ended is
 * dropped, as before.
 */
export function queryThroughCheckout(pool: pg.Pool): void {
  const run = async (text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection that fails mid-query emits 'error' on the client; unheard, that would end the process.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await client.query(text, values);
    } catch (err) {
      // FATAL and PANIC end the session: the connection closes right after.
      if (!(err instanceof pg.DatabaseError && err.severity === 'ERROR')) broken ??= err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  };
  pool.query = ((text: string | pg.QueryConfig, values?: unknown[] | QueryCallback, callback?: QueryCallback) => {
    if (typeof values === 'function') [values, callback] = [undefined, values];
    const result = run(text, values);
    if (!callback) return result;
    const cb = callback;
    result.then(
      (res) => cb(undefined, res),
      (err: Error) => cb(err),
    );
    return undefined;
  }) as typeof pool.query;
}
