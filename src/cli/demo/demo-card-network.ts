import type { PaymentIntentInfo, PaymentProvider, RefundInfo } from '../../core/payments/index.ts';

/**
 * A card network that lives in this process, for `mvshop demo` only: it stands where Stripe stands
 * (the payments port), so card checkouts, their settlement and their refunds run through the same
 * core code as in production without a network or an account. Every card is accepted.
 */
export function createDemoCardNetwork() {
  const intents = new Map<string, PaymentIntentInfo>();
  const refunds = new Map<string, RefundInfo & { paymentIntentId: string }>();
  const known = (id: string) => {
    const intent = intents.get(id);
    if (!intent) throw new Error(`demo card network: no payment intent ${id}`);
    return intent;
  };

  const strip = ({ id, status, amountMinor, metadata, failureReason }: RefundInfo): RefundInfo => ({ id, status, amountMinor, metadata, failureReason });
  const provider: PaymentProvider = {
    async createIntent({ amountMinor, currency, metadata }) {
      const id = `pi_demo_${intents.size + 1}`;
      const intent = { id, status: 'requires_payment_method', amountMinor, currency, clientSecret: `${id}_secret_demo`, metadata };
      intents.set(id, intent);
      return { ...intent };
    },
    async updateIntentAmount(id, amountMinor) {
      const intent = known(id);
      intent.amountMinor = amountMinor;
      return { ...intent };
    },
    retrieveIntent: async (id) => ({ ...known(id) }),
    async cancelIntent(id) {
      known(id).status = 'canceled';
    },
    async refund({ paymentIntentId, amountMinor, metadata }) {
      known(paymentIntentId);
      const refund = { id: `re_demo_${refunds.size + 1}`, status: 'succeeded', amountMinor, metadata, failureReason: null, paymentIntentId };
      refunds.set(refund.id, refund);
      return strip(refund);
    },
    async findRefund(paymentIntentId, refundId, attempt) {
      const found = [...refunds.values()].find(
        (r) => r.paymentIntentId === paymentIntentId && r.metadata.refundId === refundId && Number(r.metadata.attempt ?? 0) === attempt,
      );
      return found && strip(found);
    },
    async retrieveRefund(id) {
      const found = refunds.get(id);
      if (!found) throw new Error(`demo card network: no refund ${id}`);
      return strip(found);
    },
    async *listIntents() {
      for (const intent of intents.values()) yield { ...intent, amountReceived: intent.status === 'succeeded' ? intent.amountMinor : 0 };
    },
    async *listRefunds() {
      for (const r of refunds.values()) yield { ...strip(r), paymentIntentId: r.paymentIntentId, currency: known(r.paymentIntentId).currency };
    },
    // The demo network charges no fees: each payment is one charge and each refund one refund, at face value.
    async *listBalanceTransactions() {
      for (const i of intents.values())
        if (i.status === 'succeeded')
          yield { id: `txn_${i.id}`, type: 'charge', amountMinor: i.amountMinor, feeMinor: 0, netMinor: i.amountMinor, currency: i.currency, sourceId: `ch_${i.id}`, paymentIntentId: i.id };
      for (const r of refunds.values()) {
        const { currency } = known(r.paymentIntentId);
        yield { id: `txn_${r.id}`, type: 'refund', amountMinor: -r.amountMinor, feeMinor: 0, netMinor: -r.amountMinor, currency, sourceId: r.id, paymentIntentId: r.paymentIntentId };
      }
    },
    async verifyWebhook() {
      throw new Error('demo card network: it sends no webhooks');
    },
  };

  return {
    provider,
    /** The buyer's browser confirms the card payment of `clientSecret`; returns the intent id the client then sends. */
    pay(clientSecret: string | null): string {
      const id = clientSecret?.split('_secret_')[0] ?? '';
      const intent = known(id);
      intent.status = 'succeeded';
      return id;
    },
  };
}
