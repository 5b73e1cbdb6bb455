import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { censor, errorForLog, maskEmails, type Core } from '../core/index.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { closeUnreadBodies } from './middleware/close-unread.ts';
import { originCheck } from './middleware/origin-check.ts';
import { rejectUnstorableText } from './middleware/storable-text.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { cartRoutes } from './routes/cart.ts';
import { couponRoutes } from './routes/coupons.ts';
import { liveness, readinessRoutes } from './routes/health.ts';
import { eventRoutes } from './routes/events.ts';
import { productRoutes } from './routes/products.ts';
import { orderRoutes } from './routes/orders.ts';
import { paymentRoutes, stripeWebhook } from './routes/payments.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { shopMoneyRoutes } from './routes/shop-money.ts';
import { shopRoutes } from './routes/shops.ts';
import { userRoutes, type AuthLimiters } from './routes/users.ts';
import { withdrawalRoutes } from './routes/withdrawals.ts';
import { openStreamHub, type StreamHub } from './live/index.ts';
import { conversationRoutes, messageRoutes } from './routes/messaging.ts';
import { streamRoutes } from './routes/stream.ts';
import { referenceRoutes } from './routes/reference.ts';
import { v2Routes } from './v2/index.ts';

export interface AppOptions {
  /** Shared rate-limit store and readiness check; without it limits are per process. */
  redis?: Redis;
  /** Live event streams (`GET /stream`); opened here when the caller does not manage them. */
  streams?: StreamHub;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The Express app: security and parsing in front, thin routers, one error renderer behind. */
export function createApp(core: Core, opts: AppOptions = {}): Express {
  const { config } = core;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');

  // Liveness first: a load balancer asks it many times a second, and it reads no cookie, query or
  // body, is never logged, and needs no request id or browser-facing middleware.
  app.get('/healthz', liveness);

  const requestId = (req: IncomingMessage, res: ServerResponse) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    return id;
  };
  app.use(
    // pino-http serialises every request into a child logger up front; with logging off, only the id is kept.
    core.log.level === 'silent'
      ? (req, res, next) => {
          req.id = requestId(req, res);
          req.log = core.log;
          next();
        }
      : pinoHttp({
          logger: core.log,
          genReqId: requestId,
          // Unwrapped: pino-http would otherwise run pino's own error serializer first, which folds a
          // database error's cause (its code, constraint) into its message, parameters included.
          wrapSerializers: false,
          serializers: {
            err: errorForLog,
            req: (raw: IncomingMessage) => {
              // Cookies and tokens in headers never reach a line, whichever logger the core was given
              // (the std serializers' objects are not plain, hence the copies).
              const req = pino.stdSerializers.req(raw);
              return censor({ ...req, url: maskEmails(req.url) });
            },
            res: (raw: ServerResponse) => censor({ ...pino.stdSerializers.res(raw) }),
          },
        }),
  );
  // Readiness answers a load balancer too, and needs none of the browser-facing middleware below.
  app.use(readinessRoutes(core, opts.redis));
  app.use(closeUnreadBodies);
  app.use(helmet());
  app.use(cors({ origin: config.http.corsOrigins, credentials: true }));
  app.use(cookieParser());
  // Stripe signs the exact bytes it sends, so the webhook reads its raw body itself.
  app.post('/api/v1/payment/webhook', ...stripeWebhook(core));
  // No body is parsed here: each route parses its own, after its rate limit and session guard (body.ts).
  app.use(rejectUnstorableText('query'));
  app.use(originCheck(config.http.corsOrigins));

  if (!config.media.cloudinary)
    app.use(
      '/media',
      express.static(path.resolve(config.media.dir), {
        index: false,
        dotfiles: 'deny',
        // Storefronts on another origin must be able to show these images (helmet defaults to same-origin).
        setHeaders: (res) => res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin'),
      }),
    );

  const { max, windowSeconds } = config.http.authRateLimit;
  const limiter = (keyPrefix: string) => rateLimit({ keyPrefix, points: max, durationSeconds: windowSeconds, redis: opts.redis });
  const limits: AuthLimiters = { signIn: limiter('sign-in'), signUp: limiter('sign-up'), verify: limiter('verify') };

  const api = express.Router();
  api.use(referenceRoutes());
  api.use('/user', userRoutes(core, limits));
  api.use('/shop', shopMoneyRoutes(core));
  api.use('/shop', shopRoutes(core, limits));
  api.use('/product', reviewRoutes(core));
  api.use('/product', productRoutes(core));
  api.use('/event', eventRoutes(core));
  api.use('/cart', cartRoutes(core));
  api.use('/coupon', couponRoutes(core));
  api.use('/payment', paymentRoutes(core));
  api.use('/order', orderRoutes(core));
  api.use('/withdraw', withdrawalRoutes(core));
  api.use('/conversation', conversationRoutes(core));
  api.use('/message', messageRoutes(core, opts.redis));
  api.use('/stream', streamRoutes(core, opts.streams ?? openStreamHub(core, opts.redis)));
  app.use('/api/v1', api);
  app.use('/api/v2', v2Routes(core, limits, opts.redis));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
