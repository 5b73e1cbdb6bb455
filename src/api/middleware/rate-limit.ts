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
 * Counts requests per client address (or per `key`). With Redis the limit is shared by every API process and
 * Redis decides. Each process also keeps its own count of the same requests in memory, all the
 * time: when Redis is unreachable that count decides, so an outage continues from what this
 * process has already let through instead of granting fresh attempts, and a process never allows
 * more than the limit itself during one.
 */
export function rateLimit(opts: RateLimitOptions): RequestHandler {
  const local = new RateLimiterMemory({ keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationSeconds });
  const shared =
    opts.redis &&
    new RateLimiterRedis({
      storeClient: opts.redis,
      keyPrefix: `mvshop:rl:${opts.keyPrefix}`,
      points: opts.points,
      duration: opts.durationSeconds,
      // While Redis is reconnecting, fail at once and let the local count decide.
      rejectIfRedisNotReady: true,
    });
  return async (req, res, next) => {
    // req.ip honours TRUST_PROXY: a forged X-Forwarded-For is ignored unless the proxy is trusted.
    const key = opts.key?.(req, res) ?? req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const localRefusal = local.consume(key).then(
      () => undefined,
      (refusal: RateLimiterRes) => refusal,
    );
    let refusal: RateLimiterRes | undefined;
    if (shared) {
      try {
        await shared.consume(key);
      } catch (err) {
        refusal = err instanceof RateLimiterRes ? err : await localRefusal;
      }
    } else refusal = await localRefusal;
    if (!refusal) return next();
    const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    res.set('Retry-After', String(retryAfter));
    throw new AppError('RATE_LIMITED', `Too many attempts, try again in ${retryAfter} seconds`);
  };
}
