import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the bench prepared, for servers that need it. */
export interface BenchContext {
  /** The throwaway database the bench created and migrated. */
  databaseUrl: string;
  /** A temporary directory for files a server writes (mailbox, media). */
  dataDir: string;
  /** Random secrets for this run, shared by the API child and the seed (which signs sessions). */
  jwtSecret: string;
  activationSecret: string;
}

export interface ServerDef {
  /** Absolute path of a script that follows the protocol in child.ts. */
  script: string;
  /** Environment on top of PATH, HOME and NODE_ENV=production; nothing else is inherited. */
  env(bench: BenchContext): Record<string, string>;
  /** Node flags the server runs with. */
  nodeArgs?: string[];
}

const script = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The storefront origin the API allows (CORS_ORIGIN); cookie-session writes must send it as `Origin`. */
export const BENCH_ORIGIN = 'http://localhost:3000';

/** The real API's environment: the bench database, no Redis (it measures the API alone), no logs. */
export function mvshopEnv(bench: BenchContext): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: bench.databaseUrl,
    DATA_DIR: bench.dataDir,
    JWT_SECRET: bench.jwtSecret,
    ACTIVATION_SECRET: bench.activationSecret,
    PORT: '0',
    CORS_ORIGIN: BENCH_ORIGIN,
    // As in production with `npm run worker`: the worker, not the API, delivers emails.
    OUTBOX_IN_API: 'false',
  };
}

/**
 * The node flags of `npm start` (package.json's start script: `node <flags> bin/launch.mjs api/main`),
 * so the bench measures the API with the heap settings production runs it with.
 */
export function apiNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { scripts: { start: string } };
  const m = /^node((?: --[^ ]+)*) bin\/launch\.mjs api\/main$/.exec(pkg.scripts.start);
  if (!m) throw new Error(`package.json's start script is not "node [flags] bin/launch.mjs api/main": ${pkg.scripts.start}`);
  return m[1]!.split(' ').filter(Boolean);
}

/** Servers by name; a scenario names the one it loads. Add one here with a script beside this file. */
export const servers = {
  mvshop: { script: script('./mvshop.mjs'), env: mvshopEnv, nodeArgs: apiNodeFlags() },
  'ref-express': { script: script('./ref-express.ts'), env: () => ({}) },
  'ref-pg': { script: script('./ref-pg.ts'), env: (b) => ({ DATABASE_URL: b.databaseUrl }) },
  'ref-checkout': { script: script('./ref-checkout.ts'), env: (b) => ({ DATABASE_URL: b.databaseUrl }) },
} satisfies Record<string, ServerDef>;

export type ServerName = keyof typeof servers;
