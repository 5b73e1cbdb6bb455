import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import * as coupons from '../../core/coupons/index.ts';
import { accountId, requestCtx, requireSeller } from '../session.ts';
import { jsonBody } from '../body.ts';

/** Shop coupons: sellers manage their own; anyone may look a code up. */
export function couponRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  r.post('/create-coupon', seller, jsonBody(core.config), async (req, res) => {
    res.status(201).json({ success: true, couponCode: await coupons.createCoupon(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.get('/get-coupon/:shopId', seller, async (req, res) => {
    res.json({ success: true, couponCodes: await coupons.listShopCoupons(requestCtx(core, req, res), accountId(res), req.params.shopId) });
  });
  r.delete('/delete-coupon/:id', seller, async (req, res) => {
    await coupons.deleteCoupon(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Coupon deleted' });
  });
  r.get('/get-coupon-value/:name', async (req, res) => {
    res.json({ success: true, couponCode: await coupons.getCouponValue(core.ctx(undefined, req.log), req.params.name) });
  });
  return r;
}
