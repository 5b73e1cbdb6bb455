import os from 'node:os';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { Config, Core, Ctx } from '../core/index.ts';
import { AppError, isAppError } from '../core/shared/errors.ts';
import type { DryRunReport } from './dry-run.ts';
import { createIo, UsageError, type Io } from './io.ts';

/** Options every command accepts (declared once on the program), and `--dry-run` of state-changing ones. */
export interface GlobalOptions {
  json?: boolean;
  yes?: boolean;
  as?: string;
  verbose?: boolean;
  dryRun?: boolean;
}

export type OperatorActor = { kind: 'operator'; name: string };

/** What a command body gets: terminal io, the operator, and a core opened on first use. */
export interface CliRun {
  io: Io;
  operator: OperatorActor;
  /** Opens the core once for this command; it is closed when the command ends. */
  core(opts?: { migrate?: boolean }): Promise<Core>;
  /** A core context that acts as the operator, so audit rows name them. */
  ctx(): Promise<Ctx>;
  /** `--dry-run` was given: nothing may be kept. */
  dryRun: boolean;
  /**
   * Makes a state change through core as the operator: asks `question` first on a terminal (unless
   * --yes, or undefined when it was already asked); under --dry-run runs it in a transaction that is
   * rolled back (see rehearse) and reports what it would have changed once the command has printed.
   */
  change<T>(question: string | undefined, fn: (ctx: Ctx) => Promise<T>): Promise<T>;
}

function operatorNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 64) return 'must be at most 64 characters';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  return undefined;
}

function osUserName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}

/** `--as`, else MVSHOP_OPERATOR, else the OS account running the command. */
export function resolveOperator(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): OperatorActor {
  const name = (flag ?? (env.MVSHOP_OPERATOR || undefined) ?? osUserName(env)).trim();
  const problem = operatorNameProblem(name);
  if (problem) throw new UsageError(`operator name (--as or MVSHOP_OPERATOR) ${problem}`);
  return { kind: 'operator', name };
}

/** Logs go to stderr, quiet by default so tables and JSON stay readable; LOG_LEVEL or --verbose turn them up. */
export async function cliLogger(config: Config, verbose: boolean) {
  const [{ default: pino }, { createLogger }] = await Promise.all([import('pino'), import('../core/shared/log.ts')]);
  const logLevel = verbose ? 'debug' : process.env.LOG_LEVEL ? config.logLevel : 'warn';
  // The core's logger, so a command's logs are redacted like the API's.
  return createLogger({ logLevel }, pino.destination({ fd: 2, sync: true })).child({ process: 'cli' });
}

/** Under --dry-run, the one JSON document carries what would have changed beside the result. */
function withDryRunJson(io: Io, report: () => DryRunReport | undefined): Io {
  const printJson = io.printJson;
  io.printJson = (value) => {
    const dryRun = report();
    if (!dryRun) return printJson(value);
    printJson(value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, dryRun } : { result: value, dryRun });
  };
  return io;
}

function printDryRun(io: Io, report: DryRunReport): void {
  if (report.changes.length === 0) io.print('It would change no rows.');
  else {
    io.print('It would change these rows:');
    io.table(['table', 'inserted', 'updated', 'deleted'], report.changes.map((c) => [c.table, c.inserted, c.updated, c.deleted]));
  }
  for (const call of report.calls) io.print(`It would call: ${call}`);
  io.print('Dry run: rolled back, nothing was changed.');
}

/** Runs one command body with its io and a lazily opened core, and always closes the core. */
export async function runCommand(cmd: Command, body: (run: CliRun) => Promise<void>): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  let dryRunReport: DryRunReport | undefined;
  const io = withDryRunJson(createIo(opts), () => dryRunReport);
  const operator = resolveOperator(opts.as);
  let core: Promise<Core> | undefined;
  const run: CliRun = {
    io,
    operator,
    dryRun: Boolean(opts.dryRun),
    async change(question, fn) {
      const c = await run.ctx();
      if (!run.dryRun) {
        if (question !== undefined) await io.confirm(question);
        return fn(c);
      }
      const { rehearse } = await import('./dry-run.ts');
      const { result, report } = await rehearse(c, fn);
      dryRunReport = report;
      if (!io.json) io.print('Dry run: what follows was done in a transaction that was then rolled back.');
      return result;
    },
    core(o = {}) {
      // The core (database driver, config schema, logger) loads only for commands that use it, so
      // `--help` and usage errors answer at once.
      core ??= import('../core/index.ts').then(async ({ createCore, loadConfigFromEnv }) => {
        const cfg = loadConfigFromEnv();
        return createCore(cfg, { log: await cliLogger(cfg, io.verbose), poolSize: 2, migrate: o.migrate, embeddedRole: 'cli' });
      });
      return core;
    },
    async ctx() {
      const c = await run.core();
      return c.ctx(operator);
    },
  };
  try {
    await body(run);
    if (dryRunReport && !io.json) printDryRun(io, dryRunReport);
  } finally {
    if (core) await (await core.catch(() => undefined))?.close();
  }
}

/** Parses a command-line value with a core schema; the message names the flag. */
export function parseArg<S extends z.ZodType>(schema: S, value: unknown, flag: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${flag} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
}

/** Adds the id an operator typed to a core NOT_FOUND, so the message says which one was not found. */
export function namingId(id: string) {
  return (err: unknown): never => {
    if (isAppError(err) && err.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', `${err.message}: ${id}`);
    throw err;
  };
}
