export type { PaymentProvider, PaymentIntentInfo, RefundInfo, ProviderEvent } from './payment-provider.ts';
export { createStripeProvider } from './stripe-provider.ts';
