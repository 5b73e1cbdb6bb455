export { toOrderDto, type OrderDto } from './dto.ts';
export { orderTransitions, fulfilmentPath, refundableStatuses } from './status.ts';
export { transitionOrder, lockOrder } from './record-transition.ts';
export { listBuyerOrders, listShopOrders, listAllOrders, getOrder, ordersCreatedFor, assertOwnUserId, orderListInput } from './queries.ts';
export { updateOrderStatus, updateOrderStatusInput } from './update-order-status.ts';
export { requestRefund, requestRefundInput } from './request-refund.ts';
export { claimDueSettlements, queueSettlement, dropSettlement } from './settlement.ts';
