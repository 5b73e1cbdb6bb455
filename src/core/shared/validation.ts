import { z } from 'zod';
import { AppError } from './errors.ts';

/** Turns zod issues into `{ "a.b": "message" }`, the shape the API returns as `fields`. */
export function issuesToFields(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_';
    if (fields[key] === undefined) fields[key] = issue.message;
  }
  return fields;
}

/** Parses an edge input with a use case's schema; failures become one VALIDATION_FAILED naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields = issuesToFields(result.error.issues);
  const names = Object.keys(fields).filter((k) => k !== '_');
  const message = names.length
    ? `Invalid ${names.join(', ')}: ${Object.values(fields)[0]}`
    : `Invalid request: ${(Object.values(fields)[0] ?? 'malformed').replace(/^Invalid input: /, '')}`;
  throw new AppError('VALIDATION_FAILED', message, { fields });
}
