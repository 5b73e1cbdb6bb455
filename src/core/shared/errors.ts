/** The closed set of failure kinds. Each edge maps them once: HTTP status, job retry policy, exit code. */
export const errorCodes = [
  'NOT_FOUND',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'INVALID_STATE',
  'INSUFFICIENT_FUNDS',
  'PAYMENT_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'SERVICE_UNAVAILABLE',
  'EXTERNAL_SERVICE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetails {
  /** Field path → message, for VALIDATION_FAILED. */
  fields?: Record<string, string>;
  [key: string]: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new AppError('FORBIDDEN', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Codes that say "the same call may succeed later": an outside service or a limit, not the request itself. */
const retryableCodes = new Set<ErrorCode>(['EXTERNAL_SERVICE', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE']);

/**
 * Whether running the same work again may succeed: yes for outside services, limits, a conflict marked
 * retryable (a deadlock) and anything that is not an AppError (a dropped connection, a timeout); no
 * for a refusal on the merits (bad input, wrong state, not found), which would fail the same way again.
 */
export function isRetryable(err: unknown): boolean {
  if (!isAppError(err)) return true;
  return retryableCodes.has(err.code) || err.details?.retryable === true;
}
