import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';

/** How long, and how much more, a connection closed with a body still arriving reads (and discards) of it. */
export const LINGER_MS = 2000;
export const LINGER_BYTES = 4 * 1024 * 1024;
// The HTTP parser reads the socket natively (no 'data' events), so the bytes are checked on a tick,
// a short one: on loopback a client sends hundreds of megabytes a second, and a 20 ms tick let 8–16 MB
// past LINGER_BYTES arrive before the check (test/api/lingering-close.test.ts). Only a socket that is
// closing with a body still arriving has the timer, for LINGER_MS at most.
const LINGER_CHECK_MS = 2;

const lingering = Symbol('lingering close');

/**
 * Replaces the socket's close-after-response (Node's http server calls `destroySoon` once a
 * `Connection: close` response is sent) with a lingering close. Destroying a socket while the
 * client's bytes sit unread in its receive buffer makes the kernel answer with a reset, which
 * throws away whatever part of the response the client has not read yet: a 150 KB answer was cut
 * at about 127 KB. Instead the server ends its side (the client gets the whole response, then the
 * end of the stream), discards what still arrives, and closes when the client does, after
 * LINGER_MS, or once LINGER_BYTES more have arrived, whichever is first.
 */
function lingerOnClose(socket: Socket): void {
  const withState = socket as Socket & { [lingering]?: true };
  if (withState[lingering]) return;
  withState[lingering] = true;
  socket.destroySoon = function (this: Socket) {
    const until = Date.now() + LINGER_MS;
    const readAtMost = this.bytesRead + LINGER_BYTES;
    const check = setInterval(() => {
      if (Date.now() >= until || this.bytesRead > readAtMost) this.destroy();
    }, LINGER_CHECK_MS);
    this.once('close', () => clearInterval(check));
    this.once('end', () => this.destroy());
    this.end();
    this.resume();
  };
}

/**
 * A response sent before its request's body has arrived (a route that takes no body, or a refusal
 * by a guard, a rate limit, a size limit or the 404 handler) closes the connection once sent. Node
 * would otherwise keep the connection open and read the rest of that body, to its last byte, only
 * to discard it: a client sending 34 MB bodies to such routes would cost the server their transfer.
 * The close lingers (LINGER_MS, LINGER_BYTES at most) so the response reaches the client whole.
 */
export const closeUnreadBodies: RequestHandler = (req, res, next) => {
  // A request without a body has nothing left to read, yet its `complete` is still false while a
  // synchronous handler answers (the parser marks it after the request event returns): closing
  // then would end every keep-alive connection that a fast GET answered at once.
  if (!hasBody(req.headers)) return next();
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    if (!req.complete && !this.headersSent) {
      this.setHeader('Connection', 'close');
      lingerOnClose(req.socket);
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
  next();
};

/** As Node's HTTP parser decides it: a request has a body when it is chunked or declares a non-zero length. */
const hasBody = (h: { 'transfer-encoding'?: string; 'content-length'?: string }) =>
  h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
