import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFromEnv } from './core/index.ts';
import { exitOnSignals } from './core/shared/graceful-shutdown.ts';
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
  exitOnSignals(
    async (signal) => {
      api.core.log.info({ signal }, 'shutting down');
      // The worker first (it shares the API's core), then the API, which closes the core.
      await worker.close();
      await api.close();
    },
    { timeoutMs: 30_000, onError: (err) => api.core.log.error({ err }, 'shutdown failed') },
  );
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
