import type { RequestHandler } from 'express';
import { AppError } from '../../core/index.ts';
import { cookieNames } from '../session.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return 'invalid';
  }
}

/**
 * CSRF defence for cookie sessions: a state-changing request that carries a session cookie must
 * come from an allowed origin. Requests without a session cookie (Bearer clients, webhooks) are not
 * at risk, since a browser attaches cookies on its own but never an Authorization header.
 */
export function originCheck(allowedOrigins: string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
    if (!cookies[cookieNames.user] && !cookies[cookieNames.shop]) return next();
    const origin = originOf(req.get('origin')) ?? originOf(req.get('referer'));
    if (origin === undefined || allowed.has(origin)) return next();
    next(new AppError('FORBIDDEN', `Cross-site request refused: origin ${origin} is not allowed`));
  };
}
