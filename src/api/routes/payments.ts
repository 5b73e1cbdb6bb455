import { Router, type RequestHandler } from 'express';
import type { Core } from '../../core/index.ts';
import { handleStripeWebhook, startCardPayment } from '../../core/flows/index.ts';
import { accountId, requestCtx, requireUser } from '../session.ts';
import { jsonBody, webhookBody } from '../body.ts';

/** Card payment set-up. The webhook is separate: it needs the raw body, before JSON parsing. */
export function paymentRoutes(core: Core): Router {
  const r = Router();
  r.get('/get/stripeapikey', (_req, res) => {
    res.json({ success: true, stripeApikey: core.config.stripe.publishableKey ?? null });
  });
  r.post('/payment-process', requireUser(core), jsonBody(core.config), async (req, res) => {
    const payment = await startCardPayment(requestCtx(core, req, res), accountId(res), req.body ?? {});
    res.status(201).json({ success: true, ...payment });
  });
  return r;
}

/** POST /payment/webhook: verified against the raw bytes Stripe signed, handled idempotently by event id. */
export function stripeWebhook(core: Core): RequestHandler[] {
  return [
    webhookBody(),
    async (req, res) => {
      const ctx = core.ctx({ kind: 'system', name: 'stripe-webhook' }, req.log);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const outcome = await handleStripeWebhook(ctx, body, req.get('stripe-signature'));
      res.json({ success: true, received: true, outcome });
    },
  ];
}
