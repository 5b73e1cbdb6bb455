import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Closes the port and every connection through it: the service looks down. */
  stop(): Promise<void>;
  /** Listens on the same port again: the service is back. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target` that a test can take down and bring back, as an outage would. */
export async function startTcpProxy(target: URL): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return { port, stop, start: () => listen(port), close: () => (server.listening ? stop() : Promise.resolve()) };
}
