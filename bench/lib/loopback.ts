const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The bench only ever talks to this machine: refuse a URL that points anywhere else. */
export function assertLoopback(what: string, rawUrl: string): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new Error(`${what} is not a valid URL`);
  }
  if (!LOOPBACK.has(url.hostname))
    throw new Error(`${what} must point at a loopback address (127.0.0.1, localhost or ::1), not ${url.hostname}`);
  return url;
}
