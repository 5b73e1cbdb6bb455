import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/*
 * Keep-alive: a response to a request without a body keeps the connection open, even when the handler
 * answers synchronously; a response sent before a request's body arrived closes it (that body is not
 * read). Raw `http` requests, so the Connection header the server sends is seen as sent.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

function send(path: string, opts: { method?: string; body?: string } = {}): Promise<{ status: number; connection: string | undefined }> {
  const url = new URL(path, app.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', agent: new http.Agent({ keepAlive: true }), headers: opts.body ? { 'content-type': 'application/json', 'content-length': '1000000' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      },
    );
    req.on('error', (err) => (opts.body ? resolve({ status: 0, connection: 'error' }) : reject(err)));
    // A body that declares a megabyte and sends a few bytes: the server answers before it is complete.
    if (opts.body) req.write(opts.body);
    else req.end();
  });
}

describe('keep-alive', () => {
  it('a GET answered synchronously (/healthz) or by a route keeps the connection alive', async () => {
    expect(await send('/healthz')).toEqual({ status: 200, connection: 'keep-alive' });
    expect(await send('/api/v1/no-such-route')).toEqual({ status: 404, connection: 'keep-alive' });
  });

  it('a response sent before the request body arrived closes the connection', async () => {
    const res = await send('/api/v1/no-such-route', { method: 'POST', body: '{"a":' });
    expect(res.connection).toBe('close');
  });
});
