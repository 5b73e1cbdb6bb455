/** A PaymentIntent as mvshop needs it. */
export interface PaymentIntentInfo {
  id: string;
  status: string;
  amountMinor: number;
  currency: string;
  clientSecret: string | null;
  metadata: Record<string, string>;
}

/** A Stripe refund: `status` is pending, requires_action, succeeded, failed or canceled. */
export interface RefundInfo {
  id: string;
  status: string;
  amountMinor: number;
  metadata: Record<string, string>;
  failureReason: string | null;
}

/** A movement of Stripe's balance: a payment's charge, a refund, a failed refund's return, a fee, a payout… */
export interface BalanceTransactionInfo {
  id: string;
  /** Stripe's type: `charge`/`payment`, `refund`/`payment_refund`, `refund_failure`, and others mvshop does not compare. */
  type: string;
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  currency: string;
  /** The charge or refund that moved the money. */
  sourceId: string | null;
  paymentIntentId: string | null;
}

export interface ProviderEvent {
  id: string;
  type: string;
  object: Record<string, unknown> & { id?: string };
}

/**
 * The card payment provider (Stripe). Every mutating call carries an idempotency key derived from
 * our own ids. A timeout, dropped connection or 5xx surfaces as EXTERNAL_SERVICE with
 * `details.outcome = 'unknown'`: the call may or may not have taken effect, so callers record
 * "unknown" for reconciliation and retry with the same key, never "failed".
 */
export interface PaymentProvider {
  createIntent(input: {
    amountMinor: number;
    currency: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<PaymentIntentInfo>;
  updateIntentAmount(id: string, amountMinor: number, idempotencyKey: string): Promise<PaymentIntentInfo>;
  retrieveIntent(id: string): Promise<PaymentIntentInfo>;
  cancelIntent(id: string, idempotencyKey: string): Promise<void>;
  refund(input: {
    paymentIntentId: string;
    amountMinor: number;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<RefundInfo>;
  /**
   * The refund of `paymentIntentId` whose metadata carries our `refundId`, if Stripe made one. Used
   * once an idempotency key may have expired, so that a refund can never be created twice.
   */
  findRefund(paymentIntentId: string, refundId: string, attempt: number): Promise<RefundInfo | undefined>;
  /** Every PaymentIntent created at or after `since`, page by page (Stripe's list, auto-paginated). */
  listIntents(since: Date): AsyncIterable<PaymentIntentInfo & { amountReceived: number }>;
  /** Every refund created at or after `since`, page by page. */
  listRefunds(since: Date): AsyncIterable<RefundInfo & { paymentIntentId: string | null; currency: string }>;
  /** Every balance transaction created at or after `since`, page by page, with the PaymentIntent it belongs to. */
  listBalanceTransactions(since: Date): AsyncIterable<BalanceTransactionInfo>;
  /** A refund as Stripe sees it now (webhooks are re-read rather than trusted). */
  retrieveRefund(id: string): Promise<RefundInfo>;
  /** Verifies a webhook's signature against the raw body; throws VALIDATION_FAILED (400, as Stripe's guide answers) when it does not match. */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): Promise<ProviderEvent>;
}
