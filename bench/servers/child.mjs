// Plain JavaScript, so that a server running the compiled build needs no TypeScript loader (whose
// own thread and transformed modules would count in the RSS the bench measures); types in child.d.mts.

/** Loopback only: the bench never opens a port to the network. */
export const HOST = '127.0.0.1';

/**
 * The protocol every bench server follows: print `listening <port>` once it accepts connections,
 * and shut down on SIGTERM/SIGINT or when stdin closes (the bench process that owns it is gone).
 */
export function serveUntilParentLeaves(server, close) {
  const { port } = server.address();
  process.stdout.write(`listening ${port}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), 5000).unref();
    server.closeIdleConnections();
    server.close();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}

/** `app.listen` on the loopback address with an OS-chosen port. */
export function listen(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, HOST, (err) => (err ? reject(err) : resolve(server)));
  });
}
