import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase, openDatabase } from '../../src/core/db/index.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, databaseUrl } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    runId: string;
  }
}

/** Checks both services answer, then migrates one template database that each test file clones. */
export default async function setup(project: TestProject) {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL} (set TEST_DATABASE_URL): ${(err as Error).message}`);
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL} (set REDIS_URL): ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }

  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const template = `mvshop_tpl_${runId}`;
  await admin.query(`CREATE DATABASE ${template}`);
  const database = await openDatabase({ url: databaseUrl(template), pgliteDir: 'unused', poolSize: 1 });
  await migrateDatabase(database);
  await database.close();
  project.provide('templateDatabase', template);
  project.provide('runId', runId);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`mvshop_t_${runId}_%`, template],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}
