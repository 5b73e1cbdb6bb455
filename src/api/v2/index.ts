import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Core } from '../../core/index.ts';
import type { AuthLimiters } from '../routes/users.ts';
import { v2ShopRoutes, v2UserRoutes } from './accounts.ts';
import { v2EventRoutes, v2ProductRoutes } from './catalog.ts';
import { v2CheckoutRoutes } from './checkout.ts';
import { v2CouponRoutes, v2MessagingRoutes, v2OrderRoutes, v2WithdrawRoutes } from './dashboard.ts';

/**
 * /api/v2: the paths, request fields and response keys of the tutorial React storefront this
 * product descends from (README, "The tutorial storefront"), over the same core calls, guards and
 * body parsers as /api/v1. Only what that storefront calls is here; /api/v1 is the contract.
 */
export function v2Routes(core: Core, limits: AuthLimiters, redis?: Redis): Router {
  const api = Router();
  const checkout = v2CheckoutRoutes(core);
  const chat = v2MessagingRoutes(core, redis);
  api.use('/user', v2UserRoutes(core, limits));
  api.use('/shop', v2ShopRoutes(core, limits));
  api.use('/product', v2ProductRoutes(core));
  api.use('/event', v2EventRoutes(core));
  api.use('/coupon', checkout.coupon);
  api.use('/coupon', v2CouponRoutes(core));
  api.use('/payment', checkout.payment);
  api.use('/order', checkout.order);
  api.use('/order', v2OrderRoutes(core));
  api.use('/withdraw', v2WithdrawRoutes(core));
  api.use('/conversation', chat.conversation);
  api.use('/message', chat.message);
  return api;
}
