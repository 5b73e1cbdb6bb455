import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Core } from '../../core/index.ts';
import * as messaging from '../../core/messaging/index.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { requestCtx, requireSeller, requireUser, requireUserOrSeller, withAnySession } from '../session.ts';
import { imageBody, jsonBody } from '../body.ts';
import { imagesFromRequest } from '../uploads.ts';

/** Conversations: a buyer opens one with a shop; each side lists its own. */
export function conversationRoutes(core: Core): Router {
  const r = Router();
  const user = requireUser(core);
  const seller = requireSeller(core);

  r.post('/create-new-conversation', user, jsonBody(core.config), async (req, res) => {
    const { conversation, created } = await messaging.createConversation(requestCtx(core, req, res), req.body ?? {});
    res.status(created ? 201 : 200).json({ success: true, conversation });
  });
  r.get('/get-all-user-conversations', user, async (req, res) => {
    res.json({ success: true, ...(await messaging.listConversations(requestCtx(core, req, res), req.query)) });
  });
  r.get('/get-all-seller-conversations', seller, async (req, res) => {
    res.json({ success: true, ...(await messaging.listConversations(requestCtx(core, req, res), req.query)) });
  });
  return r;
}

/** MESSAGE_RATE_LIMIT per sender, one budget for every route that posts a message. */
export const messageRateLimit = (core: Core, redis?: Redis) =>
  rateLimit({
    keyPrefix: 'message',
    points: core.config.messaging.rateLimit.max,
    durationSeconds: core.config.messaging.rateLimit.windowSeconds,
    redis,
    key: (_req, res) => (res.locals.actors ?? []).map((a) => ('id' in a ? a.id : a.kind)).join('+'),
  });

/** Messages: participants post and read (admins read too); the sender is the session, posting is rate limited per sender. */
export function messageRoutes(core: Core, redis?: Redis): Router {
  const r = Router();
  const { config } = core;
  const either = requireUserOrSeller(core);
  const perSender = messageRateLimit(core, redis);

  r.post('/create-new-message', either, perSender, imageBody(config, 'images', messaging.MAX_MESSAGE_IMAGES), async (req, res) => {
    const images = await imagesFromRequest(req, config, 'images', { min: 0, max: messaging.MAX_MESSAGE_IMAGES });
    const message = await withAnySession(core, req, res, (ctx) => messaging.postMessage(ctx, req.body ?? {}, images));
    res.status(201).json({ success: true, message });
  });
  r.get('/get-all-messages/:conversationId', either, async (req, res) => {
    const input = { ...req.query, conversationId: req.params.conversationId };
    res.json({ success: true, ...(await withAnySession(core, req, res, (ctx) => messaging.listMessages(ctx, input))) });
  });
  return r;
}
