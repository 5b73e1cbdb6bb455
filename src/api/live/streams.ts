import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AppError, type Config } from '../../core/index.ts';
import { compareEventIds, type EventBus, type StreamEvent } from './bus.ts';

/** A stream whose client reads this far behind is dropped; it resumes from its Last-Event-ID. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** How often each open stream's session is checked again (ended sessions, bans, deletions). */
const SESSION_RECHECK_MS = 60_000;
/** What a client waits before reconnecting (SSE `retry`). */
const RECONNECT_MS = 3000;

const RESYNC_FRAME = 'event: resync\ndata: {}\n\n';

export interface OpenStream {
  account: string;
  /** The client's `Last-Event-ID` (or `lastEventId` query), already checked by `parseEventId`. */
  lastEventId?: string;
  /** Resolves while the session that opened the stream is still good; rejects once it is not. */
  checkSession: () => Promise<unknown>;
}

interface Connection {
  res: ServerResponse;
  account: string;
  /** The newest event written; later deliveries at or before it are duplicates and skipped. */
  lastId: string | undefined;
  /** Live events that arrived while the connection was catching up from the bus. */
  pending: StreamEvent[] | undefined;
  checkSession: () => Promise<unknown>;
  checkedAt: number;
}

interface AccountStreams {
  connections: Set<Connection>;
  subscribed: Promise<void>;
}

/** The open `GET /stream` connections of this process, fed by the bus. */
export interface StreamHub {
  readonly bus: EventBus;
  /** Checks the bounds, then answers `res` as an event stream for `open.account` until the client leaves. */
  open(req: IncomingMessage, res: ServerResponse, open: OpenStream): Promise<void>;
  /** Open streams in this process. */
  size(): number;
  /** Ends every stream (clients reconnect elsewhere) and closes the bus. */
  close(): Promise<void>;
}

/**
 * One subscription per account per process, whatever the number of its streams; events arrive as
 * ready frames and are written as they are. One timer serves every stream's heartbeat and session
 * check, so an idle stream costs its socket and one small record.
 */
export function createStreamHub(bus: EventBus, config: Config['live'], log: Logger): StreamHub {
  const accounts = new Map<string, AccountStreams>();
  let total = 0;

  const write = (conn: Connection, chunk: string) => {
    // Until its headers are out a stream is still opening; heartbeats and resyncs wait for it.
    if (!conn.res.headersSent) return;
    if (conn.res.writableLength > MAX_UNSENT_BYTES) {
      conn.res.destroy();
      return;
    }
    conn.res.write(chunk);
  };

  const deliver = (conn: Connection, event: StreamEvent) => {
    if (conn.pending) conn.pending.push(event);
    else if (!conn.lastId || compareEventIds(event.id, conn.lastId) > 0) {
      conn.lastId = event.id;
      write(conn, event.frame);
    }
  };

  /**
   * Writes what the bus kept after the connection's last event (a resync when some of it is gone),
   * then the live events that arrived meanwhile, each once.
   */
  const catchUp = async (conn: Connection) => {
    conn.pending ??= [];
    const missed = conn.lastId
      ? await bus.since(conn.account, conn.lastId).catch((err: unknown) => {
          log.warn({ err }, 'live resume failed');
          return null;
        })
      : [];
    if (missed === null) write(conn, RESYNC_FRAME);
    // A catch-up that overlapped this one may have delivered the queue already.
    const queued = conn.pending ?? [];
    conn.pending = undefined;
    for (const event of [...(missed ?? []), ...queued]) deliver(conn, event);
  };

  const release = (conn: Connection) => {
    const entry = accounts.get(conn.account);
    if (!entry?.connections.delete(conn)) return;
    total--;
    if (entry.connections.size === 0) {
      accounts.delete(conn.account);
      void bus.unsubscribe(conn.account);
    }
  };

  const tick = setInterval(() => {
    const now = Date.now();
    for (const entry of accounts.values())
      for (const conn of entry.connections) {
        write(conn, ':\n\n');
        if (now - conn.checkedAt < SESSION_RECHECK_MS) continue;
        conn.checkedAt = now;
        conn.checkSession().catch(() => conn.res.end());
      }
  }, config.heartbeatMs);
  tick.unref();

  bus.onInterruption(() => {
    for (const entry of accounts.values())
      for (const conn of entry.connections) {
        // A stream still opening catches up as its last opening step.
        if (!conn.res.headersSent) continue;
        // Without a last event there is nothing to resume from: the client reloads over REST.
        if (!conn.lastId) write(conn, RESYNC_FRAME);
        else void catchUp(conn);
      }
  });

  return {
    bus,
    size: () => total,
    async open(req, res, open) {
      if (total >= config.maxPerProcess) {
        res.setHeader('Retry-After', String(RECONNECT_MS / 1000));
        throw new AppError('SERVICE_UNAVAILABLE', 'This server holds as many live streams as it can; retry shortly');
      }
      let entry = accounts.get(open.account);
      if (entry && entry.connections.size >= config.maxPerAccount)
        throw new AppError('RATE_LIMITED', `At most ${config.maxPerAccount} live streams per account; close another one first`);

      const conn: Connection = {
        res,
        account: open.account,
        lastId: open.lastEventId,
        pending: [],
        checkSession: open.checkSession,
        checkedAt: Date.now(),
      };
      if (!entry) {
        const connections = new Set<Connection>();
        const fanOut = (event: StreamEvent) => {
          for (const c of connections) deliver(c, event);
        };
        accounts.set(open.account, (entry = { connections, subscribed: bus.subscribe(open.account, fanOut) }));
      }
      entry.connections.add(conn);
      total++;
      res.on('close', () => release(conn));
      req.socket.setTimeout(0);
      req.socket.setNoDelay(true);

      try {
        await entry.subscribed;
      } catch (err) {
        release(conn);
        throw err;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${RECONNECT_MS}\n\n`);
      await catchUp(conn);
    },
    async close() {
      clearInterval(tick);
      for (const entry of accounts.values()) for (const conn of entry.connections) conn.res.end();
      accounts.clear();
      total = 0;
      await bus.close();
    },
  };
}
