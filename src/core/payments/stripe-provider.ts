import Stripe from 'stripe';
import type { Config } from '../config.ts';
import { AppError } from '../shared/errors.ts';
import type { PaymentIntentInfo, PaymentProvider, RefundInfo } from './payment-provider.ts';

const toIntent = (pi: Stripe.PaymentIntent): PaymentIntentInfo => ({
  id: pi.id,
  status: pi.status,
  amountMinor: pi.amount,
  currency: pi.currency,
  clientSecret: pi.client_secret,
  metadata: pi.metadata ?? {},
});

const toRefund = (r: Stripe.Refund): RefundInfo => ({
  id: r.id,
  status: r.status ?? 'pending',
  amountMinor: r.amount,
  metadata: r.metadata ?? {},
  failureReason: r.failure_reason ?? null,
});

/** Maps SDK failures: definite refusals are PAYMENT_FAILED; anything that may have happened is "unknown". */
function mapError(err: unknown, what: string): AppError {
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode ?? 0;
    const unknown = err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || status >= 500 || status === 0;
    if (unknown)
      return new AppError('EXTERNAL_SERVICE', `Stripe did not answer for ${what}; it will be confirmed later`, { outcome: 'unknown' });
    if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
      return new AppError('SERVICE_UNAVAILABLE', `Card payments are misconfigured (${what}): ${err.message}`);
    if (err instanceof Stripe.errors.StripeRateLimitError)
      return new AppError('EXTERNAL_SERVICE', `Stripe is rate limiting ${what}; try again shortly`, { outcome: 'unknown' });
    return new AppError('PAYMENT_FAILED', `Stripe refused ${what}: ${err.message}`, { stripeCode: err.code });
  }
  return new AppError('EXTERNAL_SERVICE', `Stripe call failed for ${what}`, { outcome: 'unknown' });
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapError(err, what);
  }
}

/** Stripe through its SDK. `STRIPE_API_URL` points it elsewhere (tests use a local Stripe-shaped server). */
export function createStripeProvider(cfg: Config['stripe']): PaymentProvider {
  const secretKey = cfg.secretKey!;
  const base = cfg.apiUrl ? new URL(cfg.apiUrl) : undefined;
  const stripe = new Stripe(secretKey, {
    maxNetworkRetries: 0,
    timeout: 15_000,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
  return {
    createIntent: ({ amountMinor, currency, metadata, idempotencyKey }) =>
      call('creating the payment', async () =>
        toIntent(
          await stripe.paymentIntents.create(
            { amount: amountMinor, currency, metadata, automatic_payment_methods: { enabled: true } },
            { idempotencyKey },
          ),
        ),
      ),
    updateIntentAmount: (id, amountMinor, idempotencyKey) =>
      call('updating the payment', async () => toIntent(await stripe.paymentIntents.update(id, { amount: amountMinor }, { idempotencyKey }))),
    retrieveIntent: (id) => call('reading the payment', async () => toIntent(await stripe.paymentIntents.retrieve(id))),
    cancelIntent: (id, idempotencyKey) =>
      call('cancelling the payment', async () => {
        await stripe.paymentIntents.cancel(id, {}, { idempotencyKey });
      }),
    refund: ({ paymentIntentId, amountMinor, metadata, idempotencyKey }) =>
      call('the refund', async () => {
        return toRefund(await stripe.refunds.create({ payment_intent: paymentIntentId, amount: amountMinor, metadata }, { idempotencyKey }));
      }),
    findRefund: (paymentIntentId, refundId, attempt) =>
      call('looking up the refund', async () => {
        for await (const r of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }))
          if (r.metadata?.refundId === refundId && Number(r.metadata.attempt ?? 0) === attempt) return toRefund(r);
        return undefined;
      }),
    async *listIntents(since) {
      const created = { gte: Math.floor(since.getTime() / 1000) };
      try {
        for await (const pi of stripe.paymentIntents.list({ created, limit: 100 })) yield { ...toIntent(pi), amountReceived: pi.amount_received };
      } catch (err) {
        throw mapError(err, 'listing payments');
      }
    },
    async *listRefunds(since) {
      const created = { gte: Math.floor(since.getTime() / 1000) };
      try {
        for await (const r of stripe.refunds.list({ created, limit: 100 }))
          yield { ...toRefund(r), currency: r.currency, paymentIntentId: typeof r.payment_intent === 'string' ? r.payment_intent : (r.payment_intent?.id ?? null) };
      } catch (err) {
        throw mapError(err, 'listing refunds');
      }
    },
    async *listBalanceTransactions(since) {
      const created = { gte: Math.floor(since.getTime() / 1000) };
      try {
        // The source expanded, so each transaction names its PaymentIntent without a call per row.
        for await (const bt of stripe.balanceTransactions.list({ created, limit: 100, expand: ['data.source'] })) {
          const src = bt.source;
          const pi = src && typeof src === 'object' && 'payment_intent' in src ? src.payment_intent : null;
          yield {
            id: bt.id,
            type: bt.type,
            amountMinor: bt.amount,
            feeMinor: bt.fee,
            netMinor: bt.net,
            currency: bt.currency,
            sourceId: typeof src === 'string' ? src : (src?.id ?? null),
            paymentIntentId: typeof pi === 'string' ? pi : (pi?.id ?? null),
          };
        }
      } catch (err) {
        throw mapError(err, 'listing balance transactions');
      }
    },
    retrieveRefund: (id) => call('reading the refund', async () => toRefund(await stripe.refunds.retrieve(id))),
    async verifyWebhook(rawBody, signature) {
      if (!cfg.webhookSecret) throw new AppError('SERVICE_UNAVAILABLE', 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)');
      if (!signature) throw new AppError('VALIDATION_FAILED', 'Missing Stripe-Signature header');
      try {
        const event = stripe.webhooks.constructEvent(rawBody, signature, cfg.webhookSecret);
        return { id: event.id, type: event.type, object: event.data.object as unknown as Record<string, unknown> };
      } catch {
        throw new AppError('VALIDATION_FAILED', 'Stripe webhook signature does not match');
      }
    },
  };
}
