import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFromEnv } from './core/index.ts';
import { startApi } from './api/server.ts';
import { startWorker } from './worker/worker.ts';

/**
 * `npm run dev`: the API and the worker in one process, on one core. The API already runs the
 * core's outbox poller, so the worker here skips its own (one poller per process).
 */
try {
  const config = loadConfigFromEnv();
  const api = await startApi(config);
  const worker = await startWorker(config, { core: api.core, outbox: false });
  const { port } = api.server.address() as AddressInfo;
  api.core.log.info(
    { port, database: api.core.database.kind, redis: Boolean(config.redisUrl), runs: ['api', 'outbox-poller', ...worker.runs] },
    `mvshop dev: API on :${port}, worker ready`,
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    api.core.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    // The worker first (it shares the API's core), then the API, which closes the core.
    worker
      .close()
      .then(() => api.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          api.core.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
