import type { Config } from '../config.ts';
import type { PaymentProvider } from './payment-provider.ts';

export type { PaymentProvider, PaymentIntentInfo, RefundInfo, ProviderEvent, BalanceTransactionInfo } from './payment-provider.ts';

/**
 * The Stripe provider, its SDK loaded on the first call: most processes that have Stripe configured
 * (every CLI command but a few) never make one, and the SDK is a large part of a command's start-up.
 */
export function createStripeProvider(cfg: Config['stripe']): PaymentProvider {
  let loaded: Promise<PaymentProvider> | undefined;
  const provider = () => (loaded ??= import('./stripe-provider.ts').then((m) => m.createStripeProvider(cfg)));
  return {
    createIntent: async (input) => (await provider()).createIntent(input),
    updateIntentAmount: async (id, amountMinor, key) => (await provider()).updateIntentAmount(id, amountMinor, key),
    retrieveIntent: async (id) => (await provider()).retrieveIntent(id),
    cancelIntent: async (id, key) => (await provider()).cancelIntent(id, key),
    refund: async (input) => (await provider()).refund(input),
    findRefund: async (paymentIntentId, refundId, attempt) => (await provider()).findRefund(paymentIntentId, refundId, attempt),
    retrieveRefund: async (id) => (await provider()).retrieveRefund(id),
    async *listIntents(since) {
      yield* (await provider()).listIntents(since);
    },
    async *listRefunds(since) {
      yield* (await provider()).listRefunds(since);
    },
    async *listBalanceTransactions(since) {
      yield* (await provider()).listBalanceTransactions(since);
    },
    verifyWebhook: async (rawBody, signature) => (await provider()).verifyWebhook(rawBody, signature),
  };
}
