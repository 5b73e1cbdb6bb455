import { ConfigError, loadConfigFromEnv } from '../core/index.ts';
import { exitOnSignals } from '../core/shared/graceful-shutdown.ts';
import { startWorker, type RunningWorker } from './worker.ts';

/** `npm run worker`: the worker process; SIGTERM/SIGINT finish in-flight work, close, exit 0. */
let config;
try {
  config = loadConfigFromEnv();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const starting: Promise<RunningWorker> = startWorker(config);

// Listen before start-up finishes, so a signal that arrives while connecting still closes cleanly.
exitOnSignals(
  async (signal) => {
    const worker = await starting;
    worker.log.info({ signal }, 'worker shutting down');
    await worker.close();
  },
  // Past the jobs' grace period, closing connections gets a few more seconds before the process gives up.
  { timeoutMs: (config.worker.shutdownSeconds + 15) * 1000, onError: (err) => console.error('worker shutdown failed:', err) },
);

const worker = await starting;
worker.log.info(
  {
    runs: worker.runs,
    database: worker.core.database.kind,
    redis: Boolean(worker.redis),
    queuePrefix: worker.redis ? config.worker.queuePrefix : undefined,
    pollMs: config.outbox.pollMs,
  },
  'worker ready',
);
