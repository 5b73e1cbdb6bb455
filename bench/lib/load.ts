import autocannon from 'autocannon';

export interface Target {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Paths (on the url's origin) cycled through, one per request across all connections; `url` is the first. */
  paths?: string[];
}

/**
 * One request before any load: a wrong status (a 401 from a bad session) fails the row at once, with
 * the body. Resolves with the parsed JSON body (undefined when it is not JSON).
 */
export async function probe(target: Target, expectStatus: number): Promise<unknown> {
  const res = await fetch(target.url, {
    method: target.method,
    headers: target.headers,
    body: target.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== expectStatus)
    throw new Error(`probe ${target.method} ${new URL(target.url).pathname} answered ${res.status}, expected ${expectStatus}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

let current: autocannon.Instance | undefined;

/** Stops the load in flight (on interrupt); its promise then resolves with what was measured so far. */
export function stopLoad(): void {
  current?.stop();
}

/** Loads `target` with `connections` keep-alive connections for `seconds`; resolves with autocannon's result. */
export function runLoad(target: Target, connections: number, seconds: number): Promise<autocannon.Result> {
  const paths = target.paths;
  let next = 0;
  // One request shape per connection whose path is rewritten before each send (autocannon calls
  // setupRequest for every request when the shape has one).
  const requests: autocannon.Request[] | undefined = paths?.length
    ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: paths[next++ % paths.length]! }) }]
    : undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: target.method as autocannon.Request['method'],
        headers: target.headers,
        body: target.body,
        ...(requests && { requests }),
        connections,
        duration: seconds,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        current = undefined;
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(result);
      },
    );
    current = instance;
  });
}
