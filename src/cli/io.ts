import Table from 'cli-table3';
import { CommanderError } from 'commander';
import { pgErrorCode } from '../core/db/pg-error.ts';
import { ConfigError } from '../core/shared/config-error.ts';
import { isAppError } from '../core/shared/errors.ts';

/** Exit codes: the contract scripts rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The command line was wrong or incomplete (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operator said no at a confirmation prompt (exit 1, nothing done). */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'Cancelled: nothing was changed') {
    super(message);
  }
}

type Cell = string | number | boolean | null | undefined;

export interface IoOptions {
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
}

export interface IoStreams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** Terminal in and out for one command: tables or one JSON document on stdout, everything else on stderr. */
export interface Io {
  readonly json: boolean;
  readonly yes: boolean;
  readonly verbose: boolean;
  /** Prompts are allowed: stdin and stdout are both terminals. */
  readonly interactive: boolean;
  readonly color: boolean;
  /** A line of human output on stdout (not used in --json mode). */
  print(text: string): void;
  /** The one JSON document of a --json run. */
  printJson(value: unknown): void;
  table(head: string[], rows: Cell[][]): void;
  /** Status and hints for humans, on stderr so stdout stays parseable. */
  note(text: string): void;
  error(text: string): void;
  /** Asks before a consequential change; a "no" throws CancelledError. Skipped under --yes or without a terminal. */
  confirm(message: string): Promise<void>;
  /**
   * A value the command needs: given, else prompted on a terminal, else a usage error naming `flag`.
   * `validate` returns true or a message; a secret is read without echo.
   */
  require(
    value: string | undefined,
    opts: { flag: string; message: string; secret?: boolean; validate?: (v: string) => true | string },
  ): Promise<string>;
}

export function createIo(opts: IoOptions, streams: IoStreams = process): Io {
  const { stdin, stdout, stderr, env } = streams;
  const interactive = Boolean(stdin.isTTY && stdout.isTTY);
  const color = Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const errColor = Boolean(stderr.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const red = (s: string) => (errColor ? `\u001b[31m${s}\u001b[39m` : s);
  const json = Boolean(opts.json);

  const io: Io = {
    json,
    yes: Boolean(opts.yes),
    verbose: Boolean(opts.verbose),
    interactive,
    color,
    print: (text) => void stdout.write(`${text}\n`),
    printJson: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table(head, rows) {
      const t = new Table({
        head,
        style: color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
      });
      for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '' : String(c))));
      stdout.write(`${t.toString()}\n`);
    },
    note: (text) => void stderr.write(`${text}\n`),
    error: (text) => void stderr.write(`${red('error:')} ${text}\n`),
    async confirm(message) {
      if (io.yes || !interactive) return;
      const { confirm } = await import('@inquirer/prompts');
      const ok = await confirm({ message, default: false });
      if (!ok) throw new CancelledError();
    },
    async require(value, o) {
      if (value !== undefined && value !== '') return value;
      if (!interactive)
        throw new UsageError(`required option '${o.flag}' not specified`);
      const { input, password } = await import('@inquirer/prompts');
      const validate = (v: string) => (v.trim() === '' ? 'A value is required' : (o.validate?.(v) ?? true));
      if (!o.secret) return input({ message: o.message, validate });
      const first = await password({ message: o.message, mask: '*', validate });
      await password({
        message: 'Type it again',
        mask: '*',
        validate: (v) => (v === first ? true : 'The two entries differ'),
      });
      return first;
    },
  };
  return io;
}

/** How an error ends the process: usage mistakes 2, everything else 1. */
export function exitCodeFor(err: unknown): number {
  // Commander exits 0 for help and version it was asked for; anything else it rejects is a usage error.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError) return EXIT.usage;
  if (isAppError(err) && err.code === 'VALIDATION_FAILED') return EXIT.usage;
  return EXIT.failure;
}

/** One line on stderr that says what went wrong; a stack only for bugs, and only with --verbose. */
export function reportError(err: unknown, io: Pick<Io, 'error' | 'note' | 'verbose'>): void {
  if (err instanceof CommanderError) return; // commander already printed its message
  if (err instanceof UsageError || err instanceof CancelledError || err instanceof ConfigError) {
    io.error(err.message);
    if (err instanceof UsageError) io.note('(add --help for usage)');
    return;
  }
  if (isAppError(err)) {
    const fields = err.details?.fields;
    io.error(err.message);
    if (fields && Object.keys(fields).length > 1)
      for (const [k, m] of Object.entries(fields)) io.note(`  ${k}: ${m}`);
    return;
  }
  if ((err as { name?: string })?.name === 'ExitPromptError') {
    io.error('Cancelled: nothing was changed');
    return;
  }
  const code = pgErrorCode(err) ?? (err as { code?: string })?.code;
  if (code === '42P01' || code === '3F000') {
    io.error("The database is not migrated: run 'mvshop db migrate' first");
    return;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
    io.error(`Cannot reach the database: ${(err as Error).message}`);
    return;
  }
  io.error(err instanceof Error ? err.message : String(err));
  if (io.verbose && err instanceof Error && err.stack) io.note(err.stack);
  else io.note('(run with --verbose for details)');
}

/** A stored time as an operator reads it in a table: `2025-03-01 14:05` (UTC). */
export const shortTime = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '');

/** A major-unit amount from a DTO (`19.9`) as a table shows it (`19.90`). */
export const amount = (major: number) => major.toFixed(2);

/** "3d 4h", "12m 5s": the largest two units of an age in seconds. */
export function formatAge(seconds: number): string {
  const units: [string, number][] = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [label, size] of units) {
    if (rest >= size || (label === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${label}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
