import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import type { Config } from '../core/index.ts';
import { AppError } from '../core/shared/errors.ts';
import { closeQueues, openQueues } from './queues.ts';
import { closeRedis, connectOperatorRedis } from './redis.ts';

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * The standard BullMQ web dashboard (bull-board) over the worker's queues. It can retry, remove and
 * pause without asking anyone, so it listens on the loopback interface only: reach it from elsewhere
 * through an SSH tunnel, never by exposing it.
 */
export async function startDashboard(config: Config, port: number): Promise<RunningDashboard> {
  if (!config.redisUrl) throw new AppError('SERVICE_UNAVAILABLE', 'The queue dashboard needs Redis and REDIS_URL is not set');
  const redis = await connectOperatorRedis(config.redisUrl);
  const queues = openQueues(config, redis);
  const board = new ExpressAdapter().setBasePath('/');
  createBullBoard({ queues: [...queues.values()].map((q) => new BullMQAdapter(q)), serverAdapter: board });
  const app = express();
  app.use('/', board.getRouter());
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch(async (err: NodeJS.ErrnoException) => {
    await closeQueues(queues);
    await closeRedis(redis);
    if (err.code === 'EADDRINUSE') throw new AppError('CONFLICT', `Port ${port} on 127.0.0.1 is already in use: choose another with --port`);
    throw err;
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeQueues(queues);
      await closeRedis(redis);
    },
  };
}
