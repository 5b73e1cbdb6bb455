export { finalizeCheckout, type FinalizeResult } from './finalize-checkout.ts';
export { OutOfStockError } from './write-orders.ts';
export { priceCheckout, shippingAddressSchema } from './price-checkout.ts';
export { startCardPayment, startCardPaymentInput } from './start-card-payment.ts';
export { completePaidCheckout, failAndRefundCheckout, sendRefund } from './complete-paid-checkout.ts';
export { placeOrder, placeOrderInput } from './place-order.ts';
export { handleStripeWebhook, type WebhookOutcome } from './handle-stripe-event.ts';
export { refundOrder, completeOrderRefund } from './refund-order.ts';
export { reconcilePayments, type ReconcileReport } from './reconcile-payments.ts';
