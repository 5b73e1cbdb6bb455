import os from 'node:os';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { Config, Core, Ctx } from '../core/index.ts';
import { AppError, isAppError } from '../core/shared/errors.ts';
import { createIo, UsageError, type Io } from './io.ts';

/** Options every command accepts (declared once on the program). */
export interface GlobalOptions {
  json?: boolean;
  yes?: boolean;
  as?: string;
  verbose?: boolean;
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
async function cliLogger(config: Config, verbose: boolean) {
  const { default: pino } = await import('pino');
  const level = verbose ? 'debug' : process.env.LOG_LEVEL ? config.logLevel : 'warn';
  return pino({ level, base: { app: 'mvshop', process: 'cli' } }, pino.destination({ fd: 2, sync: true }));
}

/** Runs one command body with its io and a lazily opened core, and always closes the core. */
export async function runCommand(cmd: Command, body: (run: CliRun) => Promise<void>): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const io = createIo(opts);
  const operator = resolveOperator(opts.as);
  let core: Promise<Core> | undefined;
  const run: CliRun = {
    io,
    operator,
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
