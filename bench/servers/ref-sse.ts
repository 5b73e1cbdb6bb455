/**
 * The floor cost of an open event stream: bare `node:http` answering every request with SSE headers
 * and a `retry` line, holding the response until the client leaves. The stream benchmark's reference
 * for RSS per stream.
 */
import http from 'node:http';
import { serveUntilParentLeaves } from './child.mjs';
import { exposeGcOnSignal } from './gc-signal.mjs';

const open = new Set<http.ServerResponse>();
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
  res.write('retry: 3000\n\n');
  open.add(res);
  res.on('close', () => open.delete(res));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
exposeGcOnSignal();
serveUntilParentLeaves(server, async () => {
  for (const res of open) res.end();
});
