import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Core } from '../../core/index.ts';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

/** Liveness: the process answers. */
export const liveness: RequestHandler = (_req, res) => {
  res.json({ success: true, status: 'ok' });
};

/** Readiness: its database and, when configured, Redis answer. */
export function readinessRoutes(core: Core, redis?: Redis): Router {
  const r = Router();
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await within(core.database.ping(), 2000);
      checks.database = 'ok';
    } catch (err) {
      ready = false;
      checks.database = `down: ${(err as Error).message}`;
    }
    if (redis) {
      try {
        await within(redis.ping(), 2000);
        checks.redis = 'ok';
      } catch (err) {
        ready = false;
        checks.redis = `down: ${(err as Error).message}`;
      }
    } else checks.redis = 'not configured';
    res.status(ready ? 200 : 503).json({ success: ready, status: ready ? 'ready' : 'not ready', checks });
  });
  return r;
}
