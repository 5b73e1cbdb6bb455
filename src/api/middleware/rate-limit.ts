import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../core/index.ts';

export interface RateLimitOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  redis?: Redis;
  /** Whose requests count together (after a session guard: the account); default the client address. */
  key?: (req: Request, res: Response) => string;
}

/**
 * Counts requests per client address (or per `key`). With Redis the limit is shared by every API
 * process; when Redis is unreachable the per-process memory limiter takes over, so the API keeps serving.
 */
export function rateLimit(opts: RateLimitOptions): RequestHandler {
  const memory = new RateLimiterMemory({ keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationSeconds });
  const limiter = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        keyPrefix: `mvshop:rl:${opts.keyPrefix}`,
        points: opts.points,
        duration: opts.durationSeconds,
        insuranceLimiter: memory,
      })
    : memory;
  return async (req, res, next) => {
    // req.ip honours TRUST_PROXY: a forged X-Forwarded-For is ignored unless the proxy is trusted.
    const key = opts.key?.(req, res) ?? req.ip ?? req.socket.remoteAddress ?? 'unknown';
    try {
      await limiter.consume(key);
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      res.set('Retry-After', String(retryAfter));
      throw new AppError('RATE_LIMITED', `Too many attempts, try again in ${retryAfter} seconds`);
    }
  };
}
