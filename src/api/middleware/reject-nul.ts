import type { RequestHandler } from 'express';
import { AppError } from '../../core/index.ts';

/** Paths of string values (in a parsed JSON body or query) that contain U+0000. */
function nulPaths(value: unknown, path: string, found: string[], depth = 0): void {
  if (found.length >= 10 || depth > 32) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push(path || '_');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulPaths(v, path ? `${path}.${i}` : String(i), found, depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) nulPaths(v, path ? `${path}.${k}` : k, found, depth + 1);
  }
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, so a NUL anywhere in the input would fail at the
 * database as a 500. Refuse it first, as a 400 naming the fields.
 */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const found: string[] = [];
  nulPaths(req.body, '', found);
  nulPaths(req.query, '', found);
  if (!found.length) return next();
  const fields = Object.fromEntries(found.map((f) => [f, 'must not contain NUL (\\u0000) characters']));
  next(new AppError('VALIDATION_FAILED', `Invalid ${found.join(', ')}: must not contain NUL (\\u0000) characters`, { fields }));
};
