import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFromEnv } from '../core/index.ts';
import { exitOnSignals } from '../core/shared/graceful-shutdown.ts';
import { startApi } from './server.ts';

try {
  const config = loadConfigFromEnv();
  const api = await startApi(config);
  const { port } = api.server.address() as AddressInfo;
  api.core.log.info({ port, database: api.core.database.kind, redis: Boolean(config.redisUrl) }, `mvshop API listening on :${port}`);
  exitOnSignals(
    async (signal) => {
      api.core.log.info({ signal }, 'shutting down');
      await api.close();
    },
    { timeoutMs: 15_000, onError: (err) => api.core.log.error({ err }, 'shutdown failed') },
  );
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
