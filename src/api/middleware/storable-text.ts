import type { RequestHandler } from 'express';
import { AppError } from '../../core/index.ts';

const MAX_DEPTH = 32;
// In a `u` regex a well-formed surrogate pair is one code point, so this finds only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why PostgreSQL could not store this string as sent, or undefined when it can. */
function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates (\\ud800-\\udfff)';
  return undefined;
}

/** Field path → problem, for every key or string value (in a parsed body or query) PostgreSQL cannot store. */
function findProblems(value: unknown, path: string, found: Map<string, string>, depth: number): void {
  if (found.size >= 10) return;
  const here = path || '_';
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) found.set(here, problem);
  } else if (depth > MAX_DEPTH) {
    if (value && typeof value === 'object') found.set(here, `is nested more than ${MAX_DEPTH} levels deep`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findProblems(v, path ? `${path}.${i}` : String(i), found, depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = path ? `${path}.${k}` : k;
      const keyProblem = textProblem(k);
      if (keyProblem) found.set(key, `name ${keyProblem}`);
      else findProblems(v, key, found, depth + 1);
    }
  }
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses an unpaired UTF-16 surrogate
 * (text would silently turn it into U+FFFD). Input is checked here, once, right after a body is
 * parsed (and for the query string), so such text is a 400 naming the fields instead of a 500 at
 * the database or a silently altered value.
 */
export const rejectUnstorableText = (source: 'body' | 'query'): RequestHandler => (req, _res, next) => {
  const found = new Map<string, string>();
  findProblems(req[source], '', found, 0);
  if (!found.size) return next();
  const fields = Object.fromEntries(found);
  const [first] = found.values();
  next(new AppError('VALIDATION_FAILED', `Invalid ${[...found.keys()].join(', ')}: ${first}`, { fields }));
};
