import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_BYTES, LINGER_MS } from '../../src/api/middleware/close-unread.ts';
import { buildOpenApiDocument } from '../../src/api/openapi/document.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { sendRaw } from '../helpers/http.ts';

/*
 * A response sent while the request's body is still arriving closes the connection (the body is
 * never read in full). The close lingers: the server ends its side and discards what still arrives
 * for a bounded time and size, so the kernel does not reset the connection with the client's bytes
 * unread, which would throw away the part of the answer the client had not read yet.
 */

let app: TestApp;
let port: number;
const serverSockets: Socket[] = [];

beforeAll(async () => {
  app = await startTestApp();
  port = Number(new URL(app.url).port);
  app.api.server.on('connection', (socket: Socket) => serverSockets.push(socket));
}, 60_000);
afterAll(() => app?.close());

const MB = 1024 * 1024;

describe('a response to a request whose body is left unread', () => {
  it('reaches the client whole: the 150 KB+ document, answered to a GET sent with a 1 MB body', async () => {
    const body = `{"junk":[${'[0],'.repeat(250_000)}[0]]}`;
    const document = buildOpenApiDocument();
    for (let i = 0; i < 5; i++) {
      const res = await sendRaw(app.url, {
        method: 'GET',
        path: '/api/v1/openapi.json',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        body,
      });
      expect('error' in res ? res.error : res.status).toBe(200);
      if ('error' in res) return;
      expect(res.headers.connection).toBe('close');
      expect(res.body).toEqual(document);
    }
  });
});

/** A client that ignores the end of the answer and keeps sending: `chunk` bytes every `everyMs` (0: as fast as the socket takes them). */
function keepSending(chunk: Buffer, everyMs: number) {
  return new Promise<{ response: string; closedAfterMs: number; serverRead: number }>((resolve) => {
    const before = serverSockets.length;
    let response = '';
    let answeredAt = 0;
    const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      client.write(`GET /api/v1/openapi.json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${1000 * MB}\r\n\r\n`);
      const pump = () => {
        while (!client.destroyed && client.write(chunk) && everyMs === 0);
      };
      client.on('drain', () => everyMs === 0 && pump());
      const timer = everyMs ? setInterval(pump, everyMs) : undefined;
      pump();
      client.on('close', () => clearInterval(timer));
    });
    client.setEncoding('latin1');
    client.on('data', (text: string) => {
      response += text;
      answeredAt ||= Date.now();
    });
    client.on('error', () => {});
    client.on('close', () => {
      const server = serverSockets[before]!;
      resolve({ response, closedAfterMs: Date.now() - answeredAt, serverRead: server.bytesRead });
    });
  });
}

describe('a client that keeps sending after the answer', () => {
  it('gets the whole answer, then is cut off once LINGER_BYTES more have arrived', async () => {
    const { response, serverRead } = await keepSending(Buffer.alloc(64 * 1024, 48), 0);
    const [head, body] = response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1.1 200/);
    expect(head).toMatch(/connection: close/i);
    expect(Buffer.byteLength(body!, 'latin1')).toBe(Number(/content-length: (\d+)/i.exec(head!)![1]));
    // What it read before answering (at most a few socket buffers), plus the lingering allowance.
    expect(serverRead).toBeLessThan(LINGER_BYTES + 4 * MB);
  });

  it('is cut off after LINGER_MS when it sends slowly', async () => {
    const { response, closedAfterMs, serverRead } = await keepSending(Buffer.alloc(1024, 48), 50);
    expect(response).toMatch(/^HTTP\/1.1 200/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(LINGER_MS - 200);
    expect(closedAfterMs).toBeLessThan(LINGER_MS + 1500);
    expect(serverRead).toBeLessThan(MB);
  });
});
