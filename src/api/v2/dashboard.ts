import { Router } from 'express';
import type { Redis } from 'ioredis';
import { AppError, type Core, type Ctx } from '../../core/index.ts';
import * as catalog from '../../core/catalog/index.ts';
import * as coupons from '../../core/coupons/index.ts';
import { refundOrder } from '../../core/flows/index.ts';
import * as messaging from '../../core/messaging/index.ts';
import * as orders from '../../core/orders/index.ts';
import { MAX_PAGE_SIZE } from '../../core/shared/pagination.ts';
import { approveWithdrawal, listWithdrawals, requestWithdrawal } from '../../core/withdrawals/index.ts';
import { imageBody, jsonBody } from '../body.ts';
import { messageRateLimit } from '../routes/messaging.ts';
import { accountId, requestCtx, requireAdmin, requireSeller, requireUser, requireUserOrSeller, withAnySession } from '../session.ts';
import { imagesFromRequest } from '../uploads.ts';
import { wholeList, withOneImage } from './shims.ts';

/*
 * Orders, coupons, withdrawals and messages under the storefront's paths. Where a path names an
 * account (`/get-seller-all-orders/:shopId`, `/get-all-conversation-user/:id`), the session decides
 * whose list it is; the buyer's order list refuses another id, as its /api/v1 twin does.
 */

/** Orders: the buyer's and the seller's lists, fulfilment and refunds. Creation is in checkout.ts. */
export function v2OrderRoutes(core: Core): Router {
  const r = Router();
  const json = jsonBody(core.config);
  const seller = requireSeller(core);
  const user = requireUser(core);

  r.get('/get-all-orders/:userId', user, async (req, res) => {
    const ctx = requestCtx(core, req, res);
    orders.assertOwnUserId(ctx, req.params.userId);
    res.json({ success: true, ...(await orders.listBuyerOrders(ctx, accountId(res), wholeList(req))) });
  });
  r.get('/get-seller-all-orders/:shopId', seller, async (req, res) => {
    res.json({ success: true, ...(await orders.listShopOrders(requestCtx(core, req, res), accountId(res), wholeList(req))) });
  });
  r.put('/update-order-status/:id', seller, json, async (req, res) => {
    res.json({ success: true, order: await orders.updateOrderStatus(requestCtx(core, req, res), accountId(res), req.params.id, req.body ?? {}) });
  });
  // The storefront sends `{ status: "Processing refund" }`; the status is the core's to set, so only `reason` is read.
  r.put('/order-refund/:id', user, json, async (req, res) => {
    const order = await orders.requestRefund(requestCtx(core, req, res), accountId(res), req.params.id, req.body ?? {});
    res.json({ success: true, order, message: 'Refund requested' });
  });
  r.put('/order-refund-success/:id', requireUserOrSeller(core), json, async (req, res) => {
    const order = await withAnySession(core, req, res, (ctx) => refundOrder(ctx, req.params.id));
    res.json({ success: true, order, message: 'Order refunded' });
  });
  r.get('/admin-all-orders', requireAdmin(core), async (req, res) => {
    res.json({ success: true, ...(await orders.listAllOrders(requestCtx(core, req, res), wholeList(req))) });
  });
  return r;
}

// The coupon form's "no product" option.
const NO_PRODUCT = 'Choose your selected products';

/**
 * The coupon form names its product by the product's name (`selectedProducts`); the core takes an
 * id. The name is looked up among the seller's own listings; an unknown one is a 400, never a
 * coupon silently widened to the whole shop.
 */
async function selectedProductId(ctx: Ctx, shopId: string, value: unknown): Promise<unknown> {
  if (value === undefined || value === null || value === '' || value === NO_PRODUCT) return undefined;
  const { products } = await catalog.listShopProducts(ctx, shopId, { limit: MAX_PAGE_SIZE });
  const match = products.find((p) => p._id === value || p.name === value);
  if (!match)
    throw new AppError('VALIDATION_FAILED', 'selectedProducts is not one of your products', { fields: { selectedProducts: 'is not one of your products' } });
  return match._id;
}

/** A seller's coupons. Looking a code up at checkout is in checkout.ts. */
export function v2CouponRoutes(core: Core): Router {
  const r = Router();
  const seller = requireSeller(core);
  r.post('/create-coupon-code', seller, jsonBody(core.config), async (req, res) => {
    const ctx = requestCtx(core, req, res);
    const { selectedProducts, ...fields } = (req.body ?? {}) as Record<string, unknown>;
    const input = { ...fields, selectedProduct: await selectedProductId(ctx, accountId(res), selectedProducts) };
    res.status(201).json({ success: true, couponCode: await coupons.createCoupon(ctx, accountId(res), input) });
  });
  r.get('/get-coupon/:shopId', seller, async (req, res) => {
    res.json({ success: true, couponCodes: await coupons.listShopCoupons(requestCtx(core, req, res), accountId(res), req.params.shopId) });
  });
  r.delete('/delete-coupon/:id', seller, async (req, res) => {
    await coupons.deleteCoupon(requestCtx(core, req, res), req.params.id);
    res.json({ success: true, message: 'Coupon deleted' });
  });
  return r;
}

/** Withdrawals: a seller asks, an admin approves. `sellerId` in the approval body is not read. */
export function v2WithdrawRoutes(core: Core): Router {
  const r = Router();
  const json = jsonBody(core.config);
  const admin = requireAdmin(core);
  r.post('/create-withdraw-request', requireSeller(core), json, async (req, res) => {
    res.status(201).json({ success: true, withdraw: await requestWithdrawal(requestCtx(core, req, res), req.body ?? {}) });
  });
  r.get('/get-all-withdraw-request', admin, async (req, res) => {
    res.json({ success: true, ...(await listWithdrawals(requestCtx(core, req, res), wholeList(req))) });
  });
  r.put('/update-withdraw-request/:id', admin, json, async (req, res) => {
    const ctx = requestCtx(core, req, res);
    const withdraw = await approveWithdrawal(ctx, { id: req.params.id });
    res.json({ success: true, withdraw, withdraws: (await listWithdrawals(ctx, wholeList(req))).withdraws });
  });
  return r;
}

/** Conversations and messages over REST; the storefront's Socket.IO live chat is not served. */
export function v2MessagingRoutes(core: Core, redis?: Redis): { conversation: Router; message: Router } {
  const { config } = core;
  const either = requireUserOrSeller(core);
  const json = jsonBody(config);

  const conversation = Router();
  conversation.post('/create-new-conversation', requireUser(core), json, async (req, res) => {
    const { conversation: created, created: isNew } = await messaging.createConversation(requestCtx(core, req, res), req.body ?? {});
    res.status(isNew ? 201 : 200).json({ success: true, conversation: created });
  });
  conversation.get('/get-all-conversation-user/:id', requireUser(core), async (req, res) => {
    res.json({ success: true, ...(await messaging.listConversations(requestCtx(core, req, res), wholeList(req))) });
  });
  conversation.get('/get-all-conversation-seller/:id', requireSeller(core), async (req, res) => {
    res.json({ success: true, ...(await messaging.listConversations(requestCtx(core, req, res), wholeList(req))) });
  });
  // Posting a message already records it as the conversation's last one; what the client sends here is not stored.
  conversation.put('/update-last-message/:id', either, json, (_req, res) => {
    res.json({ success: true, message: 'The last message is recorded when a message is posted' });
  });

  const message = Router();
  const perSender = messageRateLimit(core, redis);
  message.post('/create-new-message', either, perSender, imageBody(config, 'images', messaging.MAX_MESSAGE_IMAGES), async (req, res) => {
    const images = await imagesFromRequest(req, config, 'images', { min: 0, max: messaging.MAX_MESSAGE_IMAGES });
    const posted = await withAnySession(core, req, res, (ctx) => messaging.postMessage(ctx, req.body ?? {}, images));
    res.status(201).json({ success: true, message: withOneImage(posted) });
  });
  message.get('/get-all-messages/:id', either, async (req, res) => {
    const input = { ...req.query, conversationId: req.params.id };
    const page = await withAnySession(core, req, res, (ctx) => messaging.listMessages(ctx, input));
    res.json({ success: true, ...page, messages: page.messages.map(withOneImage) });
  });
  return { conversation, message };
}
