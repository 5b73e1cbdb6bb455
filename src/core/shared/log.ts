import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';

/**
 * Keys whose values never reach a log line, wherever they sit in the first four levels of a logged
 * object: secrets and the personal data a request or a row carries. The error serializer below
 * keeps database errors (whose message repeats every parameter) out of reach of this list.
 */
const SENSITIVE_KEYS = new Set([
  'password',
  'oldPassword',
  'newPassword',
  'passwordHash',
  'hash',
  'token',
  'activation_token',
  'idToken',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'email',
  'phoneNumber',
  'address',
  'address1',
  'address2',
  'shippingAddress',
  'zipCode',
  'withdrawMethod',
  'bankAccountNumber',
  'bankSwiftCode',
  'cardNumber',
  'params',
]);
const CENSORED = '[redacted]';
const CENSOR_DEPTH = 4;

const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * `value` with the value of every sensitive key in its first four levels (objects and arrays)
 * replaced by `[redacted]`. Copies only the objects on the way to a replaced key; the same object
 * comes back when there is nothing to hide, which is almost always. Instances of classes are left to
 * their serializers (errors to `errorForLog`, requests to the request serializer, whose output this
 * censors in turn). This replaces pino's `redact` option: its path matcher walked all 96 wildcard
 * paths on every line and every child logger, about 250 µs each (a job's log child, a request's line).
 */
export function censor<T>(value: T, depth = 0): T {
  if (depth >= CENSOR_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const censored = censor(item, depth + 1);
      if (censored !== item) (copy ??= [...value])[i] = censored;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = value[key];
    const censored = SENSITIVE_KEYS.has(key) ? (item === undefined ? item : CENSORED) : censor(item, depth + 1);
    if (censored !== item) (copy ??= { ...value })[key] = censored;
  }
  return (copy ?? value) as T;
}

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
/** `ann.buyer@example.com` → `a***@example.com`: which domain failed stays readable, whose address does not. */
export const maskEmails = (text: string) => text.replace(EMAIL, '$1***@$2');

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQL statement's verb and table (`insert into "users"`), never its text beyond that or its values. */
function statementOf(query: unknown): string | undefined {
  if (typeof query !== 'string') return undefined;
  const verb = /^\s*(insert\s+into|update|delete\s+from|select|with)\b/i.exec(query)?.[1];
  if (!verb) return undefined;
  const tableAfter = verb.toLowerCase().startsWith('select') || verb.toLowerCase() === 'with' ? /\bfrom\s+("?[\w.]+"?)/i : /^\s*\w+(?:\s+\w+)?\s+("?[\w.]+"?)/i;
  const table = tableAfter.exec(query)?.[1];
  return `${verb.toLowerCase().replace(/\s+/, ' ')}${table ? ` ${table}` : ''}`;
}

const frames = (stack: unknown) => (typeof stack === 'string' ? stack.split('\n').filter((line) => /^\s+at /.test(line)) : []);

/**
 * How an error is logged. A database error (drizzle's, the driver's, PGlite's) is reduced to its
 * SQLSTATE, constraint, table, column and statement: its message, detail, parameters and the stack's
 * first line all repeat the values the statement carried (emails, password hashes, addresses).
 * Other errors keep type, message and stack, with email addresses masked; never their other fields
 * (http-errors attach the raw request body, HTTP clients the request).
 */
export function errorForLog(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return { message: maskEmails(String(err)) };
  const e = err as Error & Record<string, unknown>;
  // pino-http hands over what pino's standard serializer made of the error: a plain object with `type`.
  const type = typeof e.type === 'string' ? e.type : e.constructor && e.constructor !== Object ? e.constructor.name : (e.name ?? 'Error');
  let database: Record<string, unknown> | undefined;
  let statement = statementOf(e.query);
  for (let node: unknown = e, i = 0; node && typeof node === 'object' && i < 5; node = (node as { cause?: unknown }).cause, i++) {
    const n = node as Record<string, unknown>;
    statement ??= statementOf(n.query);
    if (typeof n.code === 'string' && SQLSTATE.test(n.code) && ('severity' in n || 'routine' in n)) {
      database = { code: n.code, constraint: n.constraint, table: n.table, column: n.column };
      break;
    }
  }
  if (database || 'params' in e) {
    const summary = `database error${database?.code ? ` ${database.code as string}` : ''}${database?.constraint ? ` (${database.constraint as string})` : ''}${statement ? ` in ${statement}` : ''}`;
    return { type, message: summary, ...database, statement, stack: [`${type}: ${summary}`, ...frames(e.stack)].join('\n') };
  }
  const out: Record<string, unknown> = { type, message: maskEmails(String(e.message ?? '')) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.status === 'number') out.status = e.status;
  if (typeof e.stack === 'string') out.stack = maskEmails(e.stack);
  if (e.cause !== undefined && depth < 3) out.cause = errorForLog(e.cause, depth + 1);
  return out;
}

/**
 * An error's message as it may be kept where operators read it (an outbox row's last_error): the logged
 * message, so a database error is its SQLSTATE and statement, never the values it carried.
 */
export const errorMessageOf = (err: unknown): string => String(errorForLog(err).message ?? '');

/** The process logger: JSON lines, the sensitive keys censored and the error serializer above. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { app: 'mvshop' },
      // Merge objects and child bindings are censored before serializers run; serializers' output
      // (the request's headers) is censored by the serializer itself (see the API's request logger).
      formatters: { log: censor, bindings: censor },
      serializers: { err: errorForLog },
    },
    // stdout written asynchronously: lines logged while a write is under way go out together in the
    // next one, instead of one blocking system call per line (a worker logs a line per job).
    // pino flushes it when the process exits; only a SIGKILL can cut off the lines in flight.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
