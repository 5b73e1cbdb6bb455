import dotenv from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './shared/config-error.ts';
import { majorToMinor } from './shared/money.ts';
import type { QueueName } from './jobs/queues.ts';
import { issuesToFields } from './shared/validation.ts';

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
const DEV_ACTIVATION_SECRET = 'dev-only-activation-secret-change-me-0123456789';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const url = optionalString.pipe(z.url().optional());
const duration = z
  .string()
  .regex(/^\d+[smhd]$/, 'must look like 15m, 12h or 7d')
  .default('7d');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(5000, 0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  DATABASE_URL: url,
  DATABASE_POOL_SIZE: int(20, 1, 1000),
  DATA_DIR: z.string().default('./data'),
  PGLITE_DIR: optionalString,
  REDIS_URL: url,
  JWT_SECRET: optionalString,
  JWT_EXPIRES: duration,
  ACTIVATION_SECRET: optionalString,
  ACTIVATION_TTL_MINUTES: int(24 * 60, 1),
  RESET_TTL_MINUTES: int(30, 1),
  ARGON2_MEMORY_KIB: int(19_456, 1024, 1_048_576),
  ARGON2_TIME_COST: int(2, 1, 10),
  CORS_ORIGIN: z.string().default('http://localhost:3000'),
  FRONTEND_URL: z.url().default('http://localhost:3000'),
  PUBLIC_URL: url,
  COOKIE_SECURE: z.enum(['true', 'false', '']).optional(),
  COOKIE_SAMESITE: z.enum(['lax', 'strict', 'none']).default('lax'),
  TRUST_PROXY: z.string().default('false'),
  RATE_LIMIT_AUTH_MAX: int(10, 1),
  RATE_LIMIT_AUTH_WINDOW_SECONDS: int(60, 1),
  JSON_BODY_LIMIT_KB: int(64, 1, 1024),
  CLOUDINARY_NAME: optionalString,
  CLOUDINARY_API_KEY: optionalString,
  CLOUDINARY_API_SECRET: optionalString,
  CLOUDINARY_UPLOAD_PREFIX: url,
  MEDIA_DIR: optionalString,
  MAX_UPLOAD_MB: int(5, 1, 50),
  SMTP_HOST: optionalString,
  SMTP_PORT: int(587, 1, 65535),
  SMTP_EMAIL: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_SECURE: bool(false),
  SMTP_POOL_SIZE: int(5, 1, 100),
  MAIL_FROM: z.string().default('mvshop <no-reply@mvshop.local>'),
  MAIL_DIR: optionalString,
  OUTBOX_POLL_MS: int(1000, 10),
  OUTBOX_IN_API: bool(true),
  OUTBOX_MAX_ATTEMPTS: int(8, 1),
  OUTBOX_RETENTION_DAYS: int(30, 1),
  WORKER_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -')
    .default('mvshop'),
  WORKER_CONCURRENCY_EMAIL: int(20, 1, 1000),
  WORKER_CONCURRENCY_PAYMENTS: int(2, 1, 100),
  WORKER_CONCURRENCY_SETTLEMENT: int(1, 1, 100),
  WORKER_CONCURRENCY_MAINTENANCE: int(1, 1, 100),
  WORKER_KEEP_FAILED_DAYS: int(7, 1, 3650),
  WORKER_SHUTDOWN_SECONDS: int(30, 1, 3600),
  WORKER_STALLED_SECONDS: int(30, 1, 3600),
  SCHEDULE_PAYMENTS_RECONCILE_SECONDS: int(300, 0),
  SCHEDULE_MAINTENANCE_SECONDS: int(3600, 0),
  SCHEDULE_SETTLEMENT_SECONDS: int(900, 0),
  SCHEDULE_RECONCILE_REPORT_SECONDS: int(86_400, 0),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_API_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_URL: url,
  STRIPE_EVENT_RETENTION_DAYS: int(30, 3),
  AZURE_TENANT_ID: optionalString,
  AZURE_CLIENT_ID: optionalString,
  AZURE_JWKS_URL: url,
  CURRENCY: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'must be a 3-letter ISO currency code')
    .default('usd')
    .transform((v) => v.toLowerCase()),
  PLATFORM_FEE_BPS: int(1000, 0, 10000),
  LIST_TOTAL_CACHE_MS: int(30_000, 0, 600_000),
  CATALOG_PAGE_CACHE_MS: int(30_000, 0, 600_000),
  CATALOG_TOTAL_MAX: int(1000, 0, 10_000_000),
  CATALOG_RANK_MAX: int(1000, 0, 10_000_000),
  CATALOG_INDEX_REFRESH_MS: int(1000, 0, 600_000),
  SESSION_CACHE_MS: int(1000, 0, 60_000),
  PRODUCT_MODERATION: z.enum(['post', 'pre']).default('post'),
  SETTLEMENT_HOLD_DAYS: int(7, 0, 365),
  WITHDRAW_MIN: z
    .string()
    .trim()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'must be an amount in major units with at most 2 decimals, such as 50.00')
    .default('50.00'),
  OPS_EMAIL: optionalString.pipe(z.email().optional()),
  MESSAGE_EMAIL_DELAY_MINUTES: int(15, 1, 7 * 24 * 60),
  MESSAGE_RATE_LIMIT_MAX: int(30, 1),
  MESSAGE_RATE_LIMIT_WINDOW_SECONDS: int(60, 1),
  STREAM_HEARTBEAT_SECONDS: int(25, 1, 3600),
  STREAM_RETENTION_SECONDS: int(300, 1, 86_400),
  STREAM_MAX_PER_ACCOUNT: int(5, 1, 1000),
  STREAM_MAX_PER_PROCESS: int(10_000, 1),
  STREAM_REDIS_PREFIX: z.string().trim().min(1).default('mvshop:live'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  port: number;
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  /** `poolSize`: the most connections a process opens to PostgreSQL (to an embedded directory: at most 4, as PGlite runs one statement at a time). */
  database: { url?: string; pgliteDir: string; poolSize: number };
  redisUrl?: string;
  auth: {
    jwtSecret: string;
    jwtExpires: string;
    jwtExpiresSeconds: number;
    activationSecret: string;
    activationTtlMinutes: number;
    resetTtlMinutes: number;
    hashCost: { memoryCost: number; timeCost: number };
    /** How long a signed-in request may reuse its account's session state read by another; 0 reads it every time. */
    sessionCacheMs: number;
  };
  http: {
    corsOrigins: string[];
    frontendUrl: string;
    publicUrl: string;
    cookieSecure: boolean;
    cookieSameSite: 'lax' | 'strict' | 'none';
    trustProxy: boolean | number | string;
    authRateLimit: { max: number; windowSeconds: number };
    /** Largest JSON body a route without images accepts (routes with images add room for them). */
    jsonLimitBytes: number;
  };
  media: {
    dir: string;
    maxUploadBytes: number;
    cloudinary?: { cloudName: string; apiKey: string; apiSecret: string; uploadPrefix?: string };
  };
  mail: {
    from: string;
    dir: string;
    smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string; poolSize: number };
  };
  /**
   * `inApi`: the API process delivers side effects itself (embedded/dev); false when a worker does.
   * `retentionDays`: how long delivered rows are kept before maintenance deletes them.
   */
  outbox: { pollMs: number; maxAttempts: number; inApi: boolean; retentionDays: number };
  /** `eventRetentionDays`: how long a processed webhook event id is kept to recognise a redelivery. */
  stripe: { secretKey?: string; publishableKey?: string; webhookSecret?: string; apiUrl?: string; eventRetentionDays: number };
  /** The BullMQ worker: Redis key prefix, jobs run at once per queue, failed-job retention, shutdown grace. */
  worker: {
    queuePrefix: string;
    concurrency: Record<QueueName, number>;
    keepFailedDays: number;
    shutdownSeconds: number;
    /** How long a job's lock lasts unrenewed: a crashed worker's jobs run again after about this long. */
    stalledSeconds: number;
  };
  /** Interval of each repeating job; 0 turns it off. */
  schedules: { paymentsReconcileMs: number; maintenanceMs: number; settlementMs: number; reconcileReportMs: number };
  azure?: { tenantId: string; clientId: string; jwksUrl: string; issuer: string };
  currency: string;
  platformFeeBps: number;
  /** How long a catalog page's `total` (and shops' ratings) may be reused; 0 computes them every time. */
  listCacheMs: number;
  /**
   * How long a whole public catalog page (`get-all-products`) may be reused; 0 reads it every time. A catalog
   * write in this process drops every cached page at once; the bound is for other processes' writes.
   */
  pageCacheMs: number;
  /** The public catalog counts matches up to this many (0: all); past it, `total` is this and `totalExact` false. */
  catalogTotalMax: number;
  /** Relevance ranks the first this many matches the search finds (0: all of them); the rest follow newest first. */
  catalogRankMax: number;
  /**
   * The public catalog's pages are picked by an in-process index (catalog-index.ts) that catches up with
   * other processes' writes when its last look is older than this; 0 turns it off (every page asks SQL).
   */
  catalogIndexRefreshMs: number;
  /** `post`: new listings go live at once and admins can hide them; `pre`: they wait for approval. */
  catalog: { moderation: 'post' | 'pre' };
  /**
   * `settlementHoldDays`: days after delivery before a card order's net becomes available (0 = at once);
   * `withdrawMinMinor`: the smallest withdrawal; `opsEmail`: who is told a withdrawal waits for approval or a refund failed.
   */
  money: { settlementHoldDays: number; withdrawMinMinor: number; opsEmail?: string };
  /** Buyer–shop messages: unread-message email delay, posting limit per sender. */
  messaging: { emailDelayMinutes: number; rateLimit: { max: number; windowSeconds: number } };
  /** Live event streams (`GET /stream`): heartbeats, resume window, connection bounds, Redis key prefix. */
  live: { heartbeatMs: number; retentionMs: number; maxPerAccount: number; maxPerProcess: number; redisPrefix: string };
}

export { ConfigError };

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Reads the environment once per entry point; any bad value stops start-up naming the variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const fields = issuesToFields(parsed.error.issues);
    throw new ConfigError(
      `Invalid configuration: ${Object.entries(fields)
        .map(([k, m]) => `${k} ${m}`)
        .join('; ')}`,
    );
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';

  const secret = (name: 'JWT_SECRET' | 'ACTIVATION_SECRET', fallback: string): string => {
    const value = e[name];
    if (isProduction) {
      if (!value) throw new ConfigError(`${name} must be set when NODE_ENV=production`);
      if (value.length < 32 || value === fallback)
        throw new ConfigError(`${name} must be a strong secret of at least 32 characters in production`);
    }
    return value ?? fallback;
  };
  const jwtSecret = secret('JWT_SECRET', DEV_JWT_SECRET);
  if (isProduction && (e.ARGON2_MEMORY_KIB < 19_456 || e.ARGON2_TIME_COST < 2))
    throw new ConfigError('ARGON2_MEMORY_KIB and ARGON2_TIME_COST may not go below 19456 and 2 in production');
  const activationSecret = secret('ACTIVATION_SECRET', DEV_ACTIVATION_SECRET);

  const cloudinaryParts = [e.CLOUDINARY_NAME, e.CLOUDINARY_API_KEY, e.CLOUDINARY_API_SECRET];
  if (cloudinaryParts.some(Boolean) && !cloudinaryParts.every(Boolean))
    throw new ConfigError(
      'CLOUDINARY_NAME, CLOUDINARY_API_KEY and CLOUDINARY_API_SECRET must be set together (or none of them)',
    );
  if (Boolean(e.AZURE_TENANT_ID) !== Boolean(e.AZURE_CLIENT_ID))
    throw new ConfigError('AZURE_TENANT_ID and AZURE_CLIENT_ID must be set together (or none of them)');
  if (e.COOKIE_SAMESITE === 'none' && e.COOKIE_SECURE === 'false')
    throw new ConfigError('COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop such cookies)');

  const unit = e.JWT_EXPIRES.slice(-1);
  const jwtExpiresSeconds = Number(e.JWT_EXPIRES.slice(0, -1)) * (durationUnits[unit] ?? 1);

  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    database: { url: e.DATABASE_URL, pgliteDir: e.PGLITE_DIR ?? `${e.DATA_DIR}/pglite`, poolSize: e.DATABASE_POOL_SIZE },
    redisUrl: e.REDIS_URL,
    auth: {
      jwtSecret,
      jwtExpires: e.JWT_EXPIRES,
      jwtExpiresSeconds,
      activationSecret,
      activationTtlMinutes: e.ACTIVATION_TTL_MINUTES,
      resetTtlMinutes: e.RESET_TTL_MINUTES,
      hashCost: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST },
      sessionCacheMs: e.SESSION_CACHE_MS,
    },
    http: {
      corsOrigins: e.CORS_ORIGIN.split(',')
        .map((o) => o.trim().replace(/\/$/, ''))
        .filter(Boolean),
      frontendUrl: e.FRONTEND_URL.replace(/\/$/, ''),
      publicUrl: (e.PUBLIC_URL ?? '').replace(/\/$/, ''),
      cookieSecure: e.COOKIE_SECURE ? e.COOKIE_SECURE === 'true' : isProduction,
      cookieSameSite: e.COOKIE_SAMESITE,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      authRateLimit: { max: e.RATE_LIMIT_AUTH_MAX, windowSeconds: e.RATE_LIMIT_AUTH_WINDOW_SECONDS },
      jsonLimitBytes: e.JSON_BODY_LIMIT_KB * 1024,
    },
    media: {
      dir: e.MEDIA_DIR ?? `${e.DATA_DIR}/media`,
      maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
      cloudinary:
        e.CLOUDINARY_NAME && e.CLOUDINARY_API_KEY && e.CLOUDINARY_API_SECRET
          ? {
              cloudName: e.CLOUDINARY_NAME,
              apiKey: e.CLOUDINARY_API_KEY,
              apiSecret: e.CLOUDINARY_API_SECRET,
              uploadPrefix: e.CLOUDINARY_UPLOAD_PREFIX,
            }
          : undefined,
    },
    mail: {
      from: e.MAIL_FROM,
      dir: e.MAIL_DIR ?? `${e.DATA_DIR}/mailbox`,
      smtp: e.SMTP_HOST
        ? {
            host: e.SMTP_HOST,
            port: e.SMTP_PORT,
            secure: e.SMTP_SECURE,
            user: e.SMTP_EMAIL,
            password: e.SMTP_PASSWORD,
            poolSize: e.SMTP_POOL_SIZE,
          }
        : undefined,
    },
    outbox: {
      pollMs: e.OUTBOX_POLL_MS,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      inApi: e.OUTBOX_IN_API,
      retentionDays: e.OUTBOX_RETENTION_DAYS,
    },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      publishableKey: e.STRIPE_API_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiUrl: e.STRIPE_API_URL,
      eventRetentionDays: e.STRIPE_EVENT_RETENTION_DAYS,
    },
    worker: {
      queuePrefix: e.WORKER_QUEUE_PREFIX,
      concurrency: {
        email: e.WORKER_CONCURRENCY_EMAIL,
        payments: e.WORKER_CONCURRENCY_PAYMENTS,
        settlement: e.WORKER_CONCURRENCY_SETTLEMENT,
        maintenance: e.WORKER_CONCURRENCY_MAINTENANCE,
      },
      keepFailedDays: e.WORKER_KEEP_FAILED_DAYS,
      shutdownSeconds: e.WORKER_SHUTDOWN_SECONDS,
      stalledSeconds: e.WORKER_STALLED_SECONDS,
    },
    schedules: {
      paymentsReconcileMs: e.SCHEDULE_PAYMENTS_RECONCILE_SECONDS * 1000,
      maintenanceMs: e.SCHEDULE_MAINTENANCE_SECONDS * 1000,
      settlementMs: e.SCHEDULE_SETTLEMENT_SECONDS * 1000,
      reconcileReportMs: e.SCHEDULE_RECONCILE_REPORT_SECONDS * 1000,
    },
    azure:
      e.AZURE_TENANT_ID && e.AZURE_CLIENT_ID
        ? {
            tenantId: e.AZURE_TENANT_ID,
            clientId: e.AZURE_CLIENT_ID,
            jwksUrl:
              e.AZURE_JWKS_URL ?? `https://login.microsoftonline.com/${e.AZURE_TENANT_ID}/discovery/v2.0/keys`,
            issuer: `https://login.microsoftonline.com/${e.AZURE_TENANT_ID}/v2.0`,
          }
        : undefined,
    currency: e.CURRENCY,
    platformFeeBps: e.PLATFORM_FEE_BPS,
    listCacheMs: e.LIST_TOTAL_CACHE_MS,
    pageCacheMs: e.CATALOG_PAGE_CACHE_MS,
    catalogTotalMax: e.CATALOG_TOTAL_MAX,
    catalogRankMax: e.CATALOG_RANK_MAX,
    catalogIndexRefreshMs: e.CATALOG_INDEX_REFRESH_MS,
    catalog: { moderation: e.PRODUCT_MODERATION },
    money: { settlementHoldDays: e.SETTLEMENT_HOLD_DAYS, withdrawMinMinor: majorToMinor(e.WITHDRAW_MIN), opsEmail: e.OPS_EMAIL },
    messaging: {
      emailDelayMinutes: e.MESSAGE_EMAIL_DELAY_MINUTES,
      rateLimit: { max: e.MESSAGE_RATE_LIMIT_MAX, windowSeconds: e.MESSAGE_RATE_LIMIT_WINDOW_SECONDS },
    },
    live: {
      heartbeatMs: e.STREAM_HEARTBEAT_SECONDS * 1000,
      retentionMs: e.STREAM_RETENTION_SECONDS * 1000,
      maxPerAccount: e.STREAM_MAX_PER_ACCOUNT,
      maxPerProcess: e.STREAM_MAX_PER_PROCESS,
      redisPrefix: e.STREAM_REDIS_PREFIX,
    },
  };
}

/** Entry points call this: `.env` (if present) under the real environment, then `loadConfig`. */
export function loadConfigFromEnv(): Config {
  dotenv.config({ quiet: true });
  return loadConfig(process.env);
}
