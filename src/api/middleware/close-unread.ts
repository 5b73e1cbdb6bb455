import type { RequestHandler } from 'express';

/**
 * A response sent before its request's body has arrived (a route that takes no body, or a refusal
 * by a guard, a rate limit, a size limit or the 404 handler) closes the connection once sent. Node
 * would otherwise keep the connection open and read the rest of that body, to its last byte, only
 * to discard it: a client sending 34 MB bodies to such routes would cost the server their transfer.
 */
export const closeUnreadBodies: RequestHandler = (req, res, next) => {
  // A request without a body has nothing left to read, yet its `complete` is still false while a
  // synchronous handler answers (the parser marks it after the request event returns): closing
  // then would end every keep-alive connection that a fast GET answered at once.
  if (!hasBody(req.headers)) return next();
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    if (!req.complete && !this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
  next();
};

/** As Node's HTTP parser decides it: a request has a body when it is chunked or declares a non-zero length. */
const hasBody = (h: { 'transfer-encoding'?: string; 'content-length'?: string }) =>
  h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
