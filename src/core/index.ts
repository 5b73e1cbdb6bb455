import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Actor, Ctx, Ports, Probe } from './context.ts';
import { migrateDatabase, openDatabase, type Database } from './db/index.ts';
import type { OwnerRole } from './db/embedded/embedded-host.ts';
import { outboxHandlers } from './jobs/index.ts';
import { createMailer } from './mail/index.ts';
import { createMediaStore } from './media/index.ts';
import { createOutboxPoller, type OutboxPoller } from './outbox/index.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { createAzureVerifier } from './auth/azure-verifier.ts';
import { createLogger } from './shared/log.ts';
import { createStripeProvider } from './payments/index.ts';

export interface Core {
  config: Config;
  database: Database;
  log: Logger;
  clock: Clock;
  ports: Ports;
  outbox: OutboxPoller;
  /** A context for one unit of work on behalf of `actor`. */
  ctx(actor?: Actor, log?: Logger): Ctx;
  close(): Promise<void>;
}

export interface CoreOptions {
  log?: Logger;
  clock?: Clock;
  ports?: Partial<Ports>;
  /** Apply migrations on open. Default: only for the embedded PGlite database. */
  migrate?: boolean;
  /** The most connections to the database, instead of DATABASE_POOL_SIZE (the CLI's commands take 2: one runs briefly and alone). */
  poolSize?: number;
  probe?: Probe;
  /** How this process holds an embedded data directory: a server for long, a CLI command for its run. */
  embeddedRole?: OwnerRole;
}

/** The composition root: database, ports and the outbox, wired once per process. */
export async function createCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  const log = opts.log ?? createLogger(config);
  const clock = opts.clock ?? systemClock;
  const migrate = opts.migrate ?? !config.database.url;
  const database = await openDatabase({
    ...config.database,
    poolSize: opts.poolSize ?? config.database.poolSize,
    migrate,
    role: opts.embeddedRole,
    note: (message, details) => log.info(details, message),
  });
  // An embedded owner migrated before serving; this catches a directory another process opened without migrating.
  if (migrate) await migrateDatabase(database);

  const ports: Ports = {
    mailer: opts.ports?.mailer ?? createMailer(config.mail),
    media: opts.ports?.media ?? createMediaStore(config),
    azure: opts.ports?.azure ?? (config.azure ? createAzureVerifier(config.azure) : undefined),
    payments: opts.ports?.payments ?? (config.stripe.secretKey ? createStripeProvider(config.stripe) : undefined),
    live: opts.ports?.live,
  };

  const system: Actor = { kind: 'system', name: 'outbox' };
  let poller: OutboxPoller | undefined;
  const makeCtx = (actor: Actor = { kind: 'anonymous' }, childLog: Logger = log): Ctx => ({
    db: database.db,
    actor,
    log: childLog,
    clock,
    config,
    ports,
    afterCommit: () => poller?.kick(),
    probe: opts.probe,
  });
  poller = createOutboxPoller(() => makeCtx(system), outboxHandlers, config.outbox.pollMs);

  return {
    config,
    database,
    log,
    clock,
    ports,
    outbox: poller,
    ctx: makeCtx,
    async close() {
      await poller.stop();
      ports.mailer.close();
      await database.close();
    },
  };
}

export type { Config } from './config.ts';
export { loadConfig, loadConfigFromEnv, ConfigError } from './config.ts';
export type { Actor, Ctx, Ports } from './context.ts';
export { AppError, isAppError, type ErrorCode } from './shared/errors.ts';
export { censor, createLogger, errorForLog, maskEmails } from './shared/log.ts';
