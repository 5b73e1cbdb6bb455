import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCore, loadConfig, type Config, type Core } from '../../src/core/index.ts';
import type { Ports, Probe } from '../../src/core/context.ts';
import type { Clock } from '../../src/core/shared/clock.ts';
import { startApi, type RunningApi } from '../../src/api/server.ts';
import { createTestDatabase } from './database.ts';
import { TestClient, TEST_ORIGIN } from './http.ts';
import { TEST_REDIS_URL } from './services.ts';
import { startSmtpCapture, type SmtpCapture } from './smtp.ts';

export interface TestApp {
  url: string;
  core: Core;
  config: Config;
  api: RunningApi;
  mail: SmtpCapture;
  dataDir: string;
  databaseUrl: string;
  client(opts?: ConstructorParameters<typeof TestClient>[1]): TestClient;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  ports?: Partial<Ports>;
  /** Use Redis for rate limits and readiness (default true). */
  redis?: boolean;
  /** Interleaving hook for race tests (see Probe in src/core/context.ts). */
  probe?: Probe;
  /** The process logger (default: pino at LOG_LEVEL, silent in tests). */
  log?: Logger;
  /** The core's clock (default: the system clock), for rules that wait (email delays). */
  clock?: Clock;
}

/**
 * The real API on an ephemeral port, on its own fresh PostgreSQL database, sending mail over SMTP
 * to an in-process server. Only the network edges are local stand-ins.
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const mail = await startSmtpCapture();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mvshop-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    REDIS_URL: opts.redis === false ? undefined : TEST_REDIS_URL,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.port),
    SMTP_SECURE: 'false',
    CORS_ORIGIN: TEST_ORIGIN,
    FRONTEND_URL: TEST_ORIGIN,
    OUTBOX_POLL_MS: '50',
    RATE_LIMIT_AUTH_MAX: '1000',
    // Cheap hashing keeps sign-up-heavy tests fast; production refuses these values.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Tests read their own writes at once; production reuses catalog totals for a few seconds.
    LIST_TOTAL_CACHE_MS: '0',
    CATALOG_PAGE_CACHE_MS: '0',
    ...(process.env.TEST_LOG_LEVEL && { LOG_LEVEL: process.env.TEST_LOG_LEVEL }),
    ...opts.env,
  });
  const core = await createCore(config, { ports: opts.ports, poolSize: 10, probe: opts.probe, log: opts.log, clock: opts.clock });
  const api = await startApi(config, core);
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return {
    url,
    core,
    config,
    api,
    mail,
    dataDir,
    databaseUrl: db.url,
    client: (o) => new TestClient(`${url}/api/v1`, o),
    async close() {
      await api.close();
      await mail.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
