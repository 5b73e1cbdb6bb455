import { request } from 'node:http';
import { assertMatchesContract } from './contract.ts';

export const TEST_ORIGIN = 'http://localhost:3000';

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  cookies: Record<string, string>;
  setCookies: string[];
}

/** A storefront-like HTTP client: keeps cookies like a browser and sends the allowed Origin. */
export class TestClient {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly baseUrl: string,
    readonly defaults: { origin?: string | null; headers?: Record<string, string> } = {},
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    opts: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...this.defaults.headers, ...opts.headers };
    const origin = this.defaults.origin === undefined ? TEST_ORIGIN : this.defaults.origin;
    if (origin && !('origin' in headers)) headers.origin = origin;
    if (this.cookies.size && !headers.cookie)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    const cookies: Record<string, string> = {};
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = decodeURIComponent(pair!.slice(eq + 1));
      cookies[name] = value;
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Non-JSON bodies (media files) stay text.
    }
    assertMatchesContract(method, `${this.baseUrl}${path}`, res.status, res.headers.get('content-type'), parsed);
    return { status: res.status, body: parsed as T, headers: res.headers, cookies, setCookies };
  }

  get = <T = any>(path: string, headers?: Record<string, string>) => this.request<T>('GET', path, { headers });
  post = <T = any>(path: string, json?: unknown, headers?: Record<string, string>) => this.request<T>('POST', path, { json, headers });
  put = <T = any>(path: string, json?: unknown, headers?: Record<string, string>) => this.request<T>('PUT', path, { json, headers });
  delete = <T = any>(path: string, json?: unknown, headers?: Record<string, string>) => this.request<T>('DELETE', path, { json, headers });
}

/**
 * One request over a fresh connection with exactly the bytes given: a declared `content-length`
 * may promise more than `body` holds, as a hostile client's would. Resolves with the answer (or the
 * socket error code) without waiting for the rest of the body to be sent.
 */
export function sendRaw(
  baseUrl: string,
  opts: { method: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer; timeoutMs?: number },
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: any } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      `${baseUrl}${opts.path}`,
      { method: opts.method, headers: { origin: TEST_ORIGIN, ...opts.headers }, agent: false, timeout: opts.timeoutMs ?? 10_000 },
      (res) => {
        let text = '';
        // A response cut short (the connection reset mid-answer) errs here, not on the request.
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    if (opts.body !== undefined) req.write(opts.body);
    if (!opts.headers || !('content-length' in opts.headers)) req.end();
  });
}
