import express, { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { AppError, type Config } from '../core/index.ts';
import { rejectUnstorableText } from './middleware/storable-text.ts';

/*
 * Request bodies are parsed by the route that reads them, never before routing: an unknown route,
 * or a request its rate limit or session guard refuses, costs no parsing at all (and its connection
 * is closed after the answer, middleware/close-unread.ts). JSON is small (JSON_BODY_LIMIT_KB)
 * except on routes that take images, which sit behind a session guard. Every parsed body is checked
 * once for text PostgreSQL cannot store. Compressed bodies are refused (415): a few kilobytes of
 * gzip can inflate to any size.
 */

export const MAX_IMAGES = 5;

// An image body is a handful of fields and base64 strings. Bounding its number of JSON values keeps
// a large body from becoming millions of objects (the parse costs memory and CPU per value).
const MAX_IMAGE_BODY_VALUES = 10_000;
const STRUCTURAL = [0x2c, 0x5b, 0x7b]; // , [ {
const MB = 1024 * 1024;

const tooLarge = (message: string) => new AppError('PAYLOAD_TOO_LARGE', message);
const tooManyValues = () => tooLarge(`Request body has too many JSON values (at most ${MAX_IMAGE_BODY_VALUES.toLocaleString('en-US')} beside the images)`);

interface Limits {
  bytes: number;
  message: string;
  /** The requests `parse` reads (by content type); others pass through untouched and uncounted. */
  reads: (req: Request) => boolean;
  /** JSON values at most (counted by `,` `[` `{`). */
  values?: number;
}

/**
 * Runs the parser `parse` within `limits`. A body over them is refused as soon as that is known: by
 * its declared length before a byte is read, or while it streams in (the parsers themselves would
 * read it to its last byte before answering). The connection is then closed, so the rest is never
 * received.
 */
function bodyAtMost(limits: Limits, parse: RequestHandler): RequestHandler {
  const { bytes: limit, message, values: maxValues } = limits;
  return (req, res, next) => {
    if (!limits.reads(req)) return parse(req, res, next);
    if (Number(req.headers['content-length']) > limit) return next(tooLarge(message));
    let answered = false;
    let bytes = 0;
    let values = 0;
    const count = (chunk: Buffer) => {
      bytes += chunk.length;
      if (maxValues !== undefined)
        for (const byte of STRUCTURAL) for (let at = chunk.indexOf(byte); at !== -1 && values <= maxValues; at = chunk.indexOf(byte, at + 1)) values++;
      if (bytes > limit) finish(tooLarge(message));
      else if (maxValues !== undefined && values > maxValues) finish(tooManyValues());
    };
    const finish = (err?: unknown) => {
      if (answered) return;
      answered = true;
      req.off('data', count);
      next(err);
    };
    // Counted beside the parser, which reads the same chunks: counting takes nothing from it.
    req.on('data', count);
    parse(req, res, finish);
  };
}

const isJson = (req: Request) => Boolean(req.is('application/json'));
const isMultipart = (req: Request) => Boolean(req.is('multipart'));

const checkBody = rejectUnstorableText('body');
const kb = (bytes: number) => `${Math.floor(bytes / 1024)} KB`;

/** Several middlewares as one, so a route lists its body parser as a single step. */
const chain = (...handlers: RequestHandler[]): RequestHandler => Router().use(...handlers);

/** A JSON body of at most JSON_BODY_LIMIT_KB: every route that reads a body and takes no images. */
export function jsonBody(config: Config): RequestHandler {
  const limit = config.http.jsonLimitBytes;
  const message = `Request body is too large (at most ${kb(limit)})`;
  return chain(bodyAtMost({ bytes: limit, message, reads: isJson }, express.json({ limit, inflate: false })), checkBody);
}

/**
 * Multipart parsing into memory with the size limits enforced while streaming (413 beyond them).
 * A body the multipart parser cannot read (no boundary, a broken part header, a missing closing
 * boundary) is a 400, like malformed JSON.
 */
function multipart(config: Config, field: string, maxCount: number): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: config.media.maxUploadBytes, files: MAX_IMAGES, fields: 100, fieldSize: config.http.jsonLimitBytes },
  }).fields([{ name: field, maxCount }]);
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        // A file-count overflow is reported without a field name; it is this field, so the 400 names it.
        if (!err.field) err.field = field;
        return next(err);
      }
      const reason = err instanceof Error ? err.message.replace(/^Multipart: /, '') : 'unreadable';
      next(new AppError('VALIDATION_FAILED', `Malformed multipart/form-data body: ${reason}`, { fields: { body: 'malformed multipart' } }));
    });
}

/**
 * `maxCount` images in `field`, as multipart files or as base64 data URLs in JSON (4/3 larger),
 * with room for the other fields beside them.
 */
function imageParsers(config: Config, field: string, maxCount: number): RequestHandler {
  const { maxUploadBytes } = config.media;
  const small = config.http.jsonLimitBytes;
  const message = `Request body is too large: ${field} takes ${maxCount === 1 ? 'one image' : `up to ${maxCount} images`} no larger than ${maxUploadBytes / MB} MB each`;
  const jsonLimit = Math.ceil((maxUploadBytes * maxCount * 4) / 3) + small;
  const json = express.json({ limit: jsonLimit, inflate: false });
  return chain(
    bodyAtMost({ bytes: maxUploadBytes * maxCount + small, message, reads: isMultipart }, multipart(config, field, maxCount)),
    bodyAtMost({ bytes: jsonLimit, message, reads: isJson, values: MAX_IMAGE_BODY_VALUES }, json),
    checkBody,
  );
}

// Large image bodies are read a few at a time per process; the others wait their turn unread (their
// bytes stay with the client and the kernel), so concurrent uploads cannot add up to gigabytes.
const LARGE_BODY_SLOTS = 2;
let largeBodiesReading = 0;
const waitingForSlot: (() => void)[] = [];

function largeBodiesInTurn(smallBytes: number, parse: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (Number(req.headers['content-length']) <= smallBytes) return parse(req, res, next);
    const run = () => {
      largeBodiesReading++;
      parse(req, res, (err?: unknown) => {
        largeBodiesReading--;
        waitingForSlot.shift()?.();
        next(err);
      });
    };
    if (largeBodiesReading < LARGE_BODY_SLOTS) run();
    else waitingForSlot.push(run);
  };
}

/**
 * Up to `maxCount` images in `field`, as multipart files or base64 data URLs in JSON. Only ever
 * placed after the route's session guard, and read a few at a time per process.
 */
export const imageBody = (config: Config, field: string, maxCount: number): RequestHandler =>
  largeBodiesInTurn(config.http.jsonLimitBytes, imageParsers(config, field, maxCount));

/**
 * Sign-up, which has no session to check first: an optional avatar as a multipart file (streamed
 * against MAX_UPLOAD_MB), or a JSON body within the small limit, so a base64 avatar there must be small.
 */
export function signUpBody(config: Config): RequestHandler {
  const limit = config.media.maxUploadBytes + config.http.jsonLimitBytes;
  const message = `Request body is too large: avatar takes one image no larger than ${config.media.maxUploadBytes / MB} MB`;
  return chain(bodyAtMost({ bytes: limit, message, reads: isMultipart }, multipart(config, 'avatar', 1)), jsonBody(config));
}

/** The Stripe webhook's raw bytes (it verifies their signature), at most 1 MB. */
export const webhookBody = (): RequestHandler =>
  bodyAtMost({ bytes: MB, message: 'Request body is too large (at most 1024 KB)', reads: () => true }, express.raw({ type: () => true, limit: MB, inflate: false }));
