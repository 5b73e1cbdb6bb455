import type { OrderStatus } from '../db/schema/commerce.ts';
import type { Transitions } from '../shared/state-machine.ts';

/** The fulfilment path a seller walks, one step at a time. */
export const fulfilmentPath: readonly OrderStatus[] = [
  'Processing',
  'Transferred to delivery partner',
  'Shipping',
  'Received',
  'On the way',
  'Delivered',
];

/** Every legal order move; who may make each is checked by the use case that makes it. */
export const orderTransitions: Transitions<OrderStatus> = {
  'Pending payment': ['Processing', 'Cancelled'],
  Processing: ['Transferred to delivery partner', 'Processing refund', 'Cancelled'],
  'Transferred to delivery partner': ['Shipping'],
  Shipping: ['Received'],
  Received: ['On the way'],
  'On the way': ['Delivered'],
  Delivered: ['Processing refund'],
  'Processing refund': ['Refund Success'],
  'Refund Success': [],
  Cancelled: [],
};

/** Statuses from which a buyer may ask for their money back. */
export const refundableStatuses: readonly OrderStatus[] = ['Processing', 'Delivered'];
