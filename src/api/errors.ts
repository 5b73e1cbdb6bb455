import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MulterError } from 'multer';
import { AppError, type ErrorCode } from '../core/index.ts';
import { pgErrorCode } from '../core/db/index.ts';

/** The only code → HTTP status table. */
export const statusByCode: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INSUFFICIENT_FUNDS: 422,
  PAYMENT_FAILED: 422,
  RATE_LIMITED: 429,
  EXTERNAL_SERVICE: 502,
  SERVICE_UNAVAILABLE: 503,
};

const multerMessages: Partial<Record<MulterError['code'], [ErrorCode, string]>> = {
  LIMIT_FILE_SIZE: ['PAYLOAD_TOO_LARGE', 'is larger than the upload limit'],
  LIMIT_FILE_COUNT: ['VALIDATION_FAILED', 'has too many files'],
  LIMIT_UNEXPECTED_FILE: ['VALIDATION_FAILED', 'is not an expected file field (or has too many files)'],
  LIMIT_PART_COUNT: ['PAYLOAD_TOO_LARGE', 'has too many parts'],
  LIMIT_FIELD_VALUE: ['PAYLOAD_TOO_LARGE', 'is too long'],
};

/** Express-level failures (body parsing, multer) become AppErrors so they render like every other error. */
function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof MulterError) {
    const [code, text] = multerMessages[err.code] ?? ['VALIDATION_FAILED', 'is not a valid upload'];
    const field = err.field ?? 'upload';
    return new AppError(code, `${field} ${text}`, code === 'VALIDATION_FAILED' ? { fields: { [field]: text } } : undefined);
  }
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', 'Malformed JSON body', { fields: { body: 'malformed JSON' } });
  if (e?.type === 'entity.too.large') {
    const limit = (err as { limit?: number }).limit;
    return new AppError('PAYLOAD_TOO_LARGE', `Request body is too large${limit ? ` (at most ${Math.floor(limit / 1024)} KB)` : ''}`);
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
  // The router rejects a path parameter that is not valid percent-encoding (`/get-user/%E0%A4%A`).
  if (err instanceof URIError && e.status === 400)
    return new AppError('VALIDATION_FAILED', 'Malformed URL: a path segment is not valid percent-encoding');
  if (e?.status === 400 && e.expose) return new AppError('VALIDATION_FAILED', 'Malformed request');
  // PostgreSQL cannot store U+0000 in text or jsonb. Bodies and queries are checked up front
  // (storable-text.ts); a path parameter (`/get-user/%00`) is not, and ends here instead of in a 500.
  const pgCode = pgErrorCode(err);
  if (pgCode === '22021' || pgCode === '22P05')
    return new AppError('VALIDATION_FAILED', 'Text fields cannot contain NUL (\\u0000) characters');
  return undefined;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  if (res.headersSent) {
    req.log?.error({ err }, 'error after response was sent');
    return;
  }
  if (!appError) {
    req.log?.error({ err }, 'unhandled error');
    res.status(500).json({ success: false, message: 'Internal server error', code: 'INTERNAL' });
    return;
  }
  const status = statusByCode[appError.code];
  if (status >= 500) req.log?.warn({ err: appError }, appError.message);
  res.status(status).json({
    success: false,
    message: appError.message,
    code: appError.code,
    ...(appError.details?.fields && { fields: appError.details.fields }),
  });
};

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ success: false, message: `No route for ${req.method} ${req.path}`, code: 'NOT_FOUND' });
};
