import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { placeOrder, refundOrder } from '../../core/flows/index.ts';
import * as orders from '../../core/orders/index.ts';
import { accountId, requestCtx, requireAdmin, requireSeller, requireUser, requireUserOrSeller, withAnySession } from '../session.ts';
import { jsonBody } from '../body.ts';

/** Orders: creation from the server cart, listings per side, fulfilment and refunds. */
export function orderRoutes(core: Core): Router {
  const r = Router();
  const user = requireUser(core);
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  const either = requireUserOrSeller(core);
  const json = jsonBody(core.config);

  r.post('/create-order', user, json, async (req, res) => {
    res.status(201).json({ success: true, orders: await placeOrder(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.get('/get-all-orders', user, async (req, res) => {
    res.json({ success: true, ...(await orders.listBuyerOrders(requestCtx(core, req, res), accountId(res), req.query)) });
  });
  r.get('/get-all-orders/:userId', user, async (req, res) => {
    const ctx = requestCtx(core, req, res);
    orders.assertOwnUserId(ctx, req.params.userId);
    res.json({ success: true, ...(await orders.listBuyerOrders(ctx, accountId(res), req.query)) });
  });
  r.get('/get-seller-all-orders', seller, async (req, res) => {
    res.json({ success: true, ...(await orders.listShopOrders(requestCtx(core, req, res), accountId(res), req.query)) });
  });
  r.get('/admin-all-orders', admin, async (req, res) => {
    res.json({ success: true, ...(await orders.listAllOrders(requestCtx(core, req, res), req.query)) });
  });
  r.put('/update-order-status/:id', seller, json, async (req, res) => {
    const order = await orders.updateOrderStatus(requestCtx(core, req, res), accountId(res), req.params.id, req.body ?? {});
    res.json({ success: true, order });
  });
  r.put('/order-refund/:id', user, json, async (req, res) => {
    const order = await orders.requestRefund(requestCtx(core, req, res), accountId(res), req.params.id, req.body ?? {});
    res.json({ success: true, order, message: 'Refund requested' });
  });
  r.put('/order-refund-success/:id', either, async (req, res) => {
    const order = await withAnySession(core, req, res, (ctx) => refundOrder(ctx, req.params.id));
    res.json({ success: true, order, message: 'Order refunded' });
  });
  r.get('/:id', either, async (req, res) => {
    res.json({ success: true, order: await withAnySession(core, req, res, (ctx) => orders.getOrder(ctx, req.params.id)) });
  });
  return r;
}
