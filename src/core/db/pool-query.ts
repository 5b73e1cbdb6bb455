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
 * stock, a unique violation). A client whose connection broke, whose session the server ended, or that
 * is left inside a transaction (a text that opened one) is dropped. Transactions belong in
 * `db.transaction`, which checks a client out for their length.
 */
export function queryThroughCheckout(pool: pg.Pool): void {
  const run = async (text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> => {
    if (typeof (text as { submit?: unknown }).submit === 'function')
      throw new Error('pool.query takes no cursor or stream: check a client out for it');
    let broken: Error | undefined;
    // A connection that fails mid-query emits 'error' on the client; unheard, that would end the process.
    // It is listened to from the moment the pool hands the client over.
    const onError = (err: Error) => {
      broken = err;
    };
    const client = await new Promise<pg.PoolClient>((resolve, reject) =>
      pool.connect((err, c) => {
        if (err || !c) return reject(err ?? new Error('no database connection'));
        c.on('error', onError);
        resolve(c);
      }),
    );
    try {
      return await client.query(text, values);
    } catch (err) {
      if (keepsConnection(err))
        // pg answers an error before the ReadyForQuery that carries the transaction status; an empty
        // query is answered after it (one round trip, still cheaper than a new connection).
        await client.query('').catch((e: Error) => (broken ??= e));
      else broken ??= err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      // A query is answered at its ReadyForQuery, so this is the status the text left.
      const status = client.getTransactionStatus();
      if (status === 'T' || status === 'E') broken ??= new Error('the query left a transaction open');
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

/**
 * Whether the connection outlives this error: a statement refused with an ERROR. Not a broken socket,
 * a FATAL or PANIC, or a code of a failed connection (class 08) or of the server ending sessions
 * (57P, 25P03); codes decide as well as the severity, which a server's language may translate.
 */
function keepsConnection(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return false;
  const code = err.code ?? '';
  if (code.startsWith('08') || code.startsWith('57P') || code === '25P03') return false;
  return err.severity !== 'FATAL' && err.severity !== 'PANIC';
}
