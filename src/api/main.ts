import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFromEnv } from '../core/index.ts';
import { startApi } from './server.ts';

try {
  const config = loadConfigFromEnv();
  const api = await startApi(config);
  const { port } = api.server.address() as AddressInfo;
  api.core.log.info({ port, database: api.core.database.kind, redis: Boolean(config.redisUrl) }, `mvshop API listening on :${port}`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    api.core.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    api.close().then(
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
