import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Serves one PGlite database over the PostgreSQL wire protocol on loopback, to any number of
 * ordinary `pg` connections. PGlite is a single backend, so connections take turns, and a turn is a
 * whole unit of work: a client keeps the backend from its first message until the backend reports
 * it idle again (ReadyForQuery 'I'). A transaction therefore runs alone from BEGIN to COMMIT, and
 * an extended-protocol exchange (Parse … Sync) is never interleaved with another client's, which
 * would overwrite its unnamed statement. (pglite-socket's multiplexer switches clients between
 * single messages; that is why this one exists.) Named prepared statements live in the shared
 * backend, so clients must not use them (the pool in `embedded-database.ts` strips names).
 */
export interface WireServer {
  port: number;
  /** Connections currently open. */
  clients(): number;
  /**
   * Stops taking connections, lets a transaction in progress finish (up to `graceMs`), waits up to
   * `clientsMs` for clients to hang up by themselves, then drops the rest.
   */
  close(opts: { graceMs: number; clientsMs: number }): Promise<void>;
}

// A client that keeps the backend inside a transaction and goes silent blocks every other process.
const IDLE_IN_TRANSACTION_MS = 60_000;
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

interface Conn {
  socket: net.Socket;
  buffered: Buffer;
  started: boolean;
  pending: Buffer[];
}

interface Batch {
  conn: Conn;
  bytes: Buffer;
}

export async function startWireServer(pglite: PGlite): Promise<WireServer> {
  const conns = new Set<Conn>();
  const queue: Batch[] = [];
  let holder: Conn | undefined;
  let holderTimer: NodeJS.Timeout | undefined;
  let running = false;
  let idleWaiters: (() => void)[] = [];

  const setHolder = (conn: Conn | undefined) => {
    holder = conn;
    clearTimeout(holderTimer);
    holderTimer = conn ? setTimeout(() => conn.socket.destroy(), IDLE_IN_TRANSACTION_MS).unref() : undefined;
    if (!conn) for (const wake of idleWaiters.splice(0)) wake();
  };

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        if (holder?.socket.destroyed) {
          // Its client left mid-transaction or mid-exchange: end both, so the next client starts clean.
          await pglite.runExclusive(() => pglite.execProtocolRaw(Buffer.concat([syncMessage(), queryMessage('ROLLBACK')]))).catch(() => undefined);
          setHolder(undefined);
        }
        const index = holder ? queue.findIndex((b) => b.conn === holder) : 0;
        if (index < 0 || queue.length === 0) break;
        const [batch] = queue.splice(index, 1);
        const { conn, bytes } = batch!;
        if (conn.socket.destroyed) continue;
        const reply = Buffer.from(await pglite.runExclusive(() => pglite.execProtocolRaw(bytes)));
        const status = lastReadyStatus(reply);
        // No ReadyForQuery (a Flush mid-exchange) or one inside a transaction: this client keeps its turn.
        setHolder(status === 'I' ? undefined : conn);
        if (!conn.socket.destroyed) conn.socket.write(reply);
      }
    } finally {
      running = false;
    }
  };

  const submit = (conn: Conn, bytes: Buffer) => {
    queue.push({ conn, bytes });
    void pump().catch((err: unknown) => conn.socket.destroy(err as Error));
  };

  const release = (conn: Conn) => {
    conns.delete(conn);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.conn === conn) queue.splice(i, 1);
    void pump();
  };

  const onData = (conn: Conn, data: Buffer) => {
    conn.buffered = conn.buffered.length ? Buffer.concat([conn.buffered, data]) : data;
    for (;;) {
      if (!conn.started) {
        if (conn.buffered.length < 8) return;
        const length = conn.buffered.readInt32BE(0);
        const code = conn.buffered.readInt32BE(4);
        if (conn.buffered.length < length) return;
        const message = conn.buffered.subarray(0, length);
        conn.buffered = conn.buffered.subarray(length);
        if (code === SSL_REQUEST) conn.socket.write('N');
        else if (code === CANCEL_REQUEST) conn.socket.end();
        else if (code === PROTOCOL_3) {
          conn.started = true;
          submit(conn, Buffer.from(message));
        } else conn.socket.destroy();
        continue;
      }
      if (conn.buffered.length < 5) return;
      const length = 1 + conn.buffered.readInt32BE(1);
      if (conn.buffered.length < length) return;
      const type = String.fromCharCode(conn.buffered[0]!);
      const message = Buffer.from(conn.buffered.subarray(0, length));
      conn.buffered = conn.buffered.subarray(length);
      if (type === 'X') {
        conn.socket.end();
        return;
      }
      conn.pending.push(message);
      // Sync, a simple Query and Flush each make the backend answer; the rest only queue up.
      if (type === 'S' || type === 'Q' || type === 'H') {
        submit(conn, Buffer.concat(conn.pending.splice(0)));
      }
    }
  };

  let accepting = true;
  const server = net.createServer((socket) => {
    if (!accepting) return void socket.destroy();
    const conn: Conn = { socket, buffered: Buffer.alloc(0), started: false, pending: [] };
    conns.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => onData(conn, data));
    socket.on('error', () => undefined);
    socket.on('close', () => release(conn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const waitFor = (done: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      if (done()) return resolve();
      const timer = setTimeout(finish, ms);
      const poll = setInterval(() => done() && finish(), 50);
      function finish() {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    });

  return {
    port,
    clients: () => conns.size,
    async close({ graceMs, clientsMs }) {
      accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await waitFor(() => conns.size === 0, clientsMs);
      await new Promise<void>((resolve) => {
        if (!holder) return resolve();
        idleWaiters.push(resolve);
        setTimeout(resolve, graceMs).unref();
      });
      idleWaiters = [];
      for (const conn of conns) conn.socket.destroy();
      await waitFor(() => conns.size === 0 && !running, graceMs);
      clearTimeout(holderTimer);
      await closed;
    },
  };
}

/** The transaction status of the last ReadyForQuery in a backend reply: 'I' idle, 'T' in a transaction, 'E' failed one. */
function lastReadyStatus(reply: Buffer): string | undefined {
  let status: string | undefined;
  for (let at = 0; at + 5 <= reply.length; ) {
    const length = reply.readInt32BE(at + 1);
    if (reply[at] === 0x5a) status = String.fromCharCode(reply[at + 5]!);
    at += 1 + length;
  }
  return status;
}

function syncMessage(): Buffer {
  return Buffer.from([0x53, 0, 0, 0, 4]);
}

function queryMessage(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
