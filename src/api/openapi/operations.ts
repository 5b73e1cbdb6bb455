import { z } from 'zod';
import type { ErrorCode } from '../../core/index.ts';
import { adminEventsInput, createEventInput, createProductInput, listEventsInput, updateProductInput } from '../../core/catalog/index.ts';
import { adminProductsInput, searchProductsInput, shopProductsInput } from '../../core/catalog/search-products.ts';
import { addressInput, addressUpdateInput } from '../../core/users/addresses.ts';
import { activationInput } from '../../core/users/activate-user.ts';
import { azureSignInInput } from '../../core/users/azure-sign-in.ts';
import { loginInput } from '../../core/users/login-user.ts';
import { registerUserInput } from '../../core/users/register-user.ts';
import { updateUserInfoInput } from '../../core/users/update-user-info.ts';
import { changePasswordInput, forgotPasswordInput, resetPasswordInput } from '../../core/auth/password-flows.ts';
import { registerShopInput } from '../../core/shops/register-shop.ts';
import { updateSellerInfoInput, withdrawMethodInput } from '../../core/shops/update-shop.ts';
import { shopStatementInput } from '../../core/ledger/shop-statement.ts';
import { couponDto, createCouponInput, publicCouponDto } from '../../core/coupons/coupons.ts';
import { addToCartInput, updateCartItemInput } from '../../core/cart/cart-items.ts';
import { orderListInput } from '../../core/orders/queries.ts';
import { updateOrderStatusInput } from '../../core/orders/update-order-status.ts';
import { requestRefundInput } from '../../core/orders/request-refund.ts';
import { placeOrderInput } from '../../core/flows/place-order.ts';
import { cardPaymentDto, startCardPaymentInput } from '../../core/flows/start-card-payment.ts';
import { createReviewInput } from '../../core/reviews/create-review.ts';
import { requestWithdrawalInput } from '../../core/withdrawals/request-withdrawal.ts';
import { rejectWithdrawalInput } from '../../core/withdrawals/reject-withdrawal.ts';
import { listWithdrawalsInput } from '../../core/withdrawals/list-withdrawals.ts';
import { createConversationInput } from '../../core/messaging/create-conversation.ts';
import { listConversationsInput } from '../../core/messaging/list-conversations.ts';
import { listMessagesInput, messagePageDto } from '../../core/messaging/list-messages.ts';
import { postMessageInput } from '../../core/messaging/post-message.ts';
import { pageDto, pageInput } from '../../core/shared/pagination.ts';
import { requiredReason } from '../../core/shared/fields.ts';
import type { IdKind } from '../../core/shared/id-kinds.ts';
import { listingDto, listingPageDto, productDetailDto } from '../../core/catalog/index.ts';
import { publicUserDto, userDto } from '../../core/users/index.ts';
import { publicShopDto, sellerDto } from '../../core/shops/index.ts';
import { cartDto } from '../../core/cart/index.ts';
import { orderDto } from '../../core/orders/dto.ts';
import { withdrawalDto } from '../../core/withdrawals/index.ts';
import { balanceDto, transactionDto } from '../../core/ledger/index.ts';
import {
  sampleBalance,
  sampleCardPayment,
  sampleCart,
  sampleConversation,
  sampleCoupon,
  sampleEvent,
  sampleListing,
  sampleListingPage,
  sampleMessage,
  sampleMessagePage,
  sampleOrder,
  samplePage,
  samplePaidWithdrawal,
  sampleProductDetail,
  samplePublicCoupon,
  samplePublicShop,
  samplePublicUser,
  sampleSeller,
  sampleToken,
  sampleTransaction,
  sampleUser,
  sampleWithdrawal,
} from './samples.ts';
import { conversationDto, messageDto } from '../../core/messaging/index.ts';

/**
 * Who may call an operation: `user` is the buyer session (cookie `token` or Bearer), `seller` the shop
 * session (cookie `seller_token` or Bearer), `admin` a user session whose role is Admin, `either` any
 * signed-in user or shop (the use case decides which identity it accepts).
 */
export type Guard = 'public' | 'user' | 'seller' | 'admin' | 'either';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** The Express path under the app root, `:param` style. */
  path: string;
  summary: string;
  tag: string;
  guard: Guard;
  /** Path parameters that are ids, with their kind (the 400 message names it); `listing` is a product or event id; `string` is free text. */
  params?: Record<string, IdKind | 'listing' | 'string'>;
  query?: z.ZodObject;
  /** The request body; a JSON one carries an example of what a client sends. */
  body?: { schema: z.ZodType; media: 'json' | 'multipart'; files?: string; example?: Record<string, unknown> };
  /** The status of success, 200 unless said. */
  status?: number;
  /** A second success status: 200 when a create finds what already exists. */
  alsoStatus?: number;
  /** A refusal that keeps the success body's keys (success false) instead of the error shape: readiness. */
  degraded?: { status: number; example: Record<string, unknown>; response?: Record<string, z.ZodType> };
  /** The success body besides `success`, as an example; its top-level keys are required in every success body. */
  example: Record<string, unknown>;
  /** The success body's keys with core's response schemas; without it, only the example's keys are checked. */
  response?: Record<string, z.ZodType>;
  /** Error codes beyond those implied by the guard, the parameters and the body. */
  errors?: ErrorCode[];
  /** For routes that do not answer JSON. */
  produces?: 'text/event-stream' | 'text/html' | 'text/csv+json' | 'openapi';
  rateLimited?: boolean;
}

// Response keys beside core's DTOs: the session token of a sign-in, the message of an action.
const token = z.string();
const message = z.string();
/** A JSON body, with an example typed by what its schema accepts. */
const json = <S extends z.ZodType>(schema: S, example: z.input<S> & Record<string, unknown>, files?: string) => ({ schema, media: 'json' as const, example, files });
const reasonBody = json(z.object({ reason: requiredReason.optional() }), { reason: 'Fraudulent listings, reported twice' });
const address = { country: 'GB', city: 'London', address1: '12 Analytical Row', zipCode: 'N1 9GU' };
const credentials = { email: 'ada@example.com', password: 'correct-horse-42' };
const newPassword = { oldPassword: 'correct-horse-42', newPassword: 'battery-staple-43' };
const resetToken = { token: 'the token from the emailed link', password: 'battery-staple-43' };
const activation = { activation_token: 'the token from the emailed link' };
const noFields = z.object({});
const loggedOut = { message: 'Logged out' };
// Each check is `ok`, `not configured`, or `down: ` with the reason.
const checks = z.object({ database: z.string(), redis: z.string() });

export const operations: Operation[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', tag: 'health', guard: 'public', example: { status: 'ok' }, response: { status: z.literal('ok') } },
  { method: 'get', path: '/readyz', summary: 'Readiness: the database (and Redis when configured) answer; 503 with the same keys (success false) when one does not', tag: 'health', guard: 'public', example: { status: 'ready', checks: { database: 'ok', redis: 'ok' } }, response: { status: z.literal('ready'), checks }, degraded: { status: 503, example: { status: 'not ready', checks: { database: 'ok', redis: 'down: connect ECONNREFUSED' } }, response: { status: z.literal('not ready'), checks } } },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', tag: 'reference', guard: 'public', example: {}, produces: 'openapi' },
  { method: 'get', path: '/api/v1/docs', summary: 'A readable reference page for this document (Swagger UI, served offline)', tag: 'reference', guard: 'public', example: {}, produces: 'text/html' },
  { method: 'post', path: '/api/v1/payment/webhook', summary: 'Stripe webhook: payment and refund events, verified by their signature (400 when it does not verify)', tag: 'payment', guard: 'public', example: { received: true }, errors: ['VALIDATION_FAILED', 'SERVICE_UNAVAILABLE', 'PAYLOAD_TOO_LARGE'] },

  // Buyers
  { method: 'post', path: '/api/v1/user/register', summary: 'Sign up as a buyer; an activation email follows', tag: 'user', guard: 'public', body: json(registerUserInput, { name: 'Ada Lovelace', ...credentials }, 'avatar'), status: 201, example: { message: 'Please check your email to activate your account' }, errors: ['CONFLICT'], rateLimited: true, response: { message } },
  { method: 'post', path: '/api/v1/user/activate-account', summary: 'Activate a buyer account with the emailed token; signs in', tag: 'user', guard: 'public', body: json(activationInput, activation), status: 201, example: { user: sampleUser, token: sampleToken }, errors: ['CONFLICT'], rateLimited: true, response: { user: userDto, token } },
  { method: 'post', path: '/api/v1/user/azure-authentication', summary: 'Sign in with a Microsoft (Azure AD) id token', tag: 'user', guard: 'public', body: json(azureSignInInput, { idToken: 'eyJ0eXAiOiJKV1Qi… (the id token from MSAL)' }), example: { user: sampleUser, token: sampleToken }, errors: ['UNAUTHENTICATED', 'SERVICE_UNAVAILABLE', 'EXTERNAL_SERVICE'], rateLimited: true, response: { user: userDto, token } },
  { method: 'post', path: '/api/v1/user/login', summary: 'Sign in as a buyer; sets the `token` cookie', tag: 'user', guard: 'public', body: json(loginInput, credentials), example: { user: sampleUser, token: sampleToken }, rateLimited: true, errors: ['UNAUTHENTICATED'], response: { user: userDto, token } },
  { method: 'get', path: '/api/v1/user/me', summary: 'The signed-in buyer', tag: 'user', guard: 'user', example: { user: sampleUser }, response: { user: userDto } },
  { method: 'get', path: '/api/v1/user/logout', summary: 'Sign out (clears the `token` cookie)', tag: 'user', guard: 'public', example: loggedOut, response: { message } },
  { method: 'post', path: '/api/v1/user/logout', summary: 'Sign out (clears the `token` cookie)', tag: 'user', guard: 'public', example: loggedOut, response: { message } },
  { method: 'put', path: '/api/v1/user/update-info', summary: 'Update name, email or phone (the password confirms)', tag: 'user', guard: 'user', body: json(updateUserInfoInput, { name: 'Ada King', phoneNumber: '+44 20 7946 0000', password: 'correct-horse-42' }), example: { user: sampleUser }, errors: ['CONFLICT'], response: { user: userDto } },
  { method: 'put', path: '/api/v1/user/update-avatar', summary: 'Replace the avatar (multipart field `avatar`)', tag: 'user', guard: 'user', body: { schema: noFields, media: 'multipart', files: 'avatar' }, example: { user: sampleUser }, response: { user: userDto } },
  { method: 'post', path: '/api/v1/user/address', summary: 'Add an address', tag: 'user', guard: 'user', body: json(addressInput, { ...address, addressType: 'Home' }), status: 201, example: { user: sampleUser }, response: { user: userDto }, errors: ['CONFLICT'] },
  { method: 'put', path: '/api/v1/user/address/:id', summary: 'Update an address', tag: 'user', guard: 'user', params: { id: 'address' }, body: json(addressUpdateInput, { address2: 'Flat 2' }), example: { user: sampleUser }, response: { user: userDto } },
  { method: 'delete', path: '/api/v1/user/address/:id', summary: 'Delete an address', tag: 'user', guard: 'user', params: { id: 'address' }, example: { user: sampleUser }, response: { user: userDto } },
  { method: 'put', path: '/api/v1/user/change-password', summary: 'Change the password; every session ends', tag: 'user', guard: 'user', body: json(changePasswordInput, newPassword), example: { message: 'Password updated, please sign in' }, response: { message } },
  { method: 'post', path: '/api/v1/user/forgot-password', summary: 'Email a password-reset link (same answer whether or not the email is known)', tag: 'user', guard: 'public', body: json(forgotPasswordInput, { email: credentials.email }), example: { message: 'If that email is registered, a reset link is on its way' }, rateLimited: true, response: { message } },
  { method: 'post', path: '/api/v1/user/reset-password', summary: 'Set a new password with the emailed token', tag: 'user', guard: 'public', body: json(resetPasswordInput, resetToken), example: { message: 'Password updated, please sign in' }, rateLimited: true, response: { message } },
  { method: 'get', path: '/api/v1/user/get-user/:id', summary: 'A buyer\'s public profile', tag: 'user', guard: 'public', params: { id: 'user' }, example: { user: samplePublicUser }, response: { user: publicUserDto } },
  { method: 'get', path: '/api/v1/user/admin/users', summary: 'Every buyer account', tag: 'admin', guard: 'admin', query: pageInput, example: { users: [sampleUser], ...samplePage }, response: { users: z.array(userDto), ...pageDto.shape } },
  { method: 'delete', path: '/api/v1/user/admin/delete-user/:id', summary: 'Delete a buyer account (audited)', tag: 'admin', guard: 'admin', params: { id: 'user' }, body: reasonBody, example: { message: 'User deleted' }, errors: ['CONFLICT', 'INVALID_STATE'], response: { message } },

  // Shops
  { method: 'post', path: '/api/v1/shop/register', summary: 'Sign up a shop; an activation email follows', tag: 'shop', guard: 'public', body: json(registerShopInput, { name: 'Babbage Supplies', email: 'shop@example.com', password: 'correct-horse-42', phoneNumber: '+44 20 7946 0001', address: '3 Engine Lane, London', zipCode: 'N1 9GV' }, 'avatar'), status: 201, example: { message: 'Please check your email to activate your shop' }, errors: ['CONFLICT'], rateLimited: true, response: { message } },
  { method: 'post', path: '/api/v1/shop/activate-account', summary: 'Activate a shop with the emailed token; signs in', tag: 'shop', guard: 'public', body: json(activationInput, activation), status: 201, example: { seller: sampleSeller, token: sampleToken }, errors: ['CONFLICT'], rateLimited: true, response: { seller: sellerDto, token } },
  { method: 'post', path: '/api/v1/shop/login', summary: 'Sign in as a shop; sets the `seller_token` cookie', tag: 'shop', guard: 'public', body: json(loginInput, credentials), example: { seller: sampleSeller, token: sampleToken }, rateLimited: true, errors: ['UNAUTHENTICATED'], response: { seller: sellerDto, token } },
  { method: 'get', path: '/api/v1/shop/me', summary: 'The signed-in shop', tag: 'shop', guard: 'seller', example: { seller: sampleSeller }, response: { seller: sellerDto } },
  { method: 'get', path: '/api/v1/shop/logout', summary: 'Sign out (clears the `seller_token` cookie)', tag: 'shop', guard: 'public', example: loggedOut, response: { message } },
  { method: 'post', path: '/api/v1/shop/logout', summary: 'Sign out (clears the `seller_token` cookie)', tag: 'shop', guard: 'public', example: loggedOut, response: { message } },
  { method: 'get', path: '/api/v1/shop/shop-info/:id', summary: 'A shop\'s public profile', tag: 'shop', guard: 'public', params: { id: 'shop' }, example: { shop: samplePublicShop }, response: { shop: publicShopDto } },
  { method: 'put', path: '/api/v1/shop/update-avatar', summary: 'Replace the shop avatar (multipart field `avatar`)', tag: 'shop', guard: 'seller', body: { schema: noFields, media: 'multipart', files: 'avatar' }, example: { seller: sampleSeller }, response: { seller: sellerDto } },
  { method: 'put', path: '/api/v1/shop/update-seller-info', summary: 'Update the shop profile', tag: 'shop', guard: 'seller', body: json(updateSellerInfoInput, { description: 'Gears, cards and difference engines', shippingFee: 4.99 }), example: { seller: sampleSeller }, response: { seller: sellerDto } },
  { method: 'put', path: '/api/v1/shop/update-payment-method', summary: 'Set the withdrawal method', tag: 'shop', guard: 'seller', body: json(withdrawMethodInput, { withdrawMethod: { bankName: 'Example Bank', bankCountry: 'GB', bankSwiftCode: 'EXAMGB2L', bankAccountNumber: '12345678', bankHolderName: 'Babbage Supplies Ltd', bankAddress: '1 Bank Street, London' } }), example: { seller: sampleSeller }, response: { seller: sellerDto } },
  { method: 'delete', path: '/api/v1/shop/delete-withdraw-method', summary: 'Remove the withdrawal method', tag: 'shop', guard: 'seller', example: { seller: sampleSeller }, response: { seller: sellerDto } },
  { method: 'put', path: '/api/v1/shop/change-password', summary: 'Change the shop password; every session ends', tag: 'shop', guard: 'seller', body: json(changePasswordInput, newPassword), example: { message: 'Password updated, please sign in' }, response: { message } },
  { method: 'post', path: '/api/v1/shop/forgot-password', summary: 'Email a password-reset link', tag: 'shop', guard: 'public', body: json(forgotPasswordInput, { email: credentials.email }), example: { message: 'If that email is registered, a reset link is on its way' }, rateLimited: true, response: { message } },
  { method: 'post', path: '/api/v1/shop/reset-password', summary: 'Set a new shop password with the emailed token', tag: 'shop', guard: 'public', body: json(resetPasswordInput, resetToken), example: { message: 'Password updated, please sign in' }, rateLimited: true, response: { message } },
  { method: 'get', path: '/api/v1/shop/admin/sellers', summary: 'Every shop', tag: 'admin', guard: 'admin', query: pageInput, example: { sellers: [sampleSeller], ...samplePage }, response: { sellers: z.array(sellerDto), ...pageDto.shape } },
  { method: 'delete', path: '/api/v1/shop/admin/seller/:id', summary: 'Delete a shop (audited)', tag: 'admin', guard: 'admin', params: { id: 'shop' }, body: reasonBody, example: { message: 'Shop deleted' }, errors: ['INVALID_STATE'], response: { message } },
  { method: 'get', path: '/api/v1/shop/balance', summary: 'The shop\'s pending and available balance', tag: 'shop money', guard: 'seller', example: { balance: sampleBalance }, response: { balance: balanceDto } },
  { method: 'get', path: '/api/v1/shop/transactions', summary: 'The shop\'s ledger entries', tag: 'shop money', guard: 'seller', query: pageInput, example: { transactions: [sampleTransaction], ...samplePage }, response: { transactions: z.array(transactionDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/shop/statement', summary: 'A monthly statement (JSON, or CSV with `format=csv`)', tag: 'shop money', guard: 'seller', query: shopStatementInput, example: { statement: {} }, produces: 'text/csv+json' },

  // Catalog
  { method: 'post', path: '/api/v1/product', summary: 'List a product (multipart with `images`)', tag: 'product', guard: 'seller', body: { schema: createProductInput, media: 'multipart', files: 'images' }, status: 201, example: { product: sampleListing }, response: { product: listingDto } },
  { method: 'get', path: '/api/v1/product/get-all-products', summary: 'Search the live catalog', tag: 'product', guard: 'public', query: searchProductsInput, example: { products: [sampleListing], ...sampleListingPage }, response: { products: z.array(listingDto), ...listingPageDto.shape } },
  { method: 'get', path: '/api/v1/product/admin-all-products', summary: 'Every product, any status', tag: 'admin', guard: 'admin', query: adminProductsInput, example: { products: [sampleListing], ...sampleListingPage }, response: { products: z.array(listingDto), ...listingPageDto.shape } },
  { method: 'get', path: '/api/v1/product/shop/:id', summary: 'A shop\'s products (its owner also sees hidden ones)', tag: 'product', guard: 'public', params: { id: 'shop' }, query: shopProductsInput, example: { products: [sampleListing], ...sampleListingPage }, response: { products: z.array(listingDto), ...listingPageDto.shape } },
  { method: 'get', path: '/api/v1/product/:id', summary: 'One product or event', tag: 'product', guard: 'public', params: { id: 'listing' }, example: { product: sampleProductDetail }, response: { product: productDetailDto } },
  { method: 'put', path: '/api/v1/product/:id', summary: 'Edit one of the shop\'s products (multipart)', tag: 'product', guard: 'seller', params: { id: 'product' }, body: { schema: updateProductInput, media: 'multipart', files: 'images' }, example: { product: sampleListing }, response: { product: listingDto } },
  { method: 'delete', path: '/api/v1/product/:id', summary: 'Delete one of the shop\'s products', tag: 'product', guard: 'seller', params: { id: 'product' }, example: { message: 'Product deleted' }, response: { message } },
  { method: 'put', path: '/api/v1/product/create-new-review', summary: 'Review a delivered product', tag: 'product', guard: 'user', body: json(createReviewInput, { productId: sampleListing._id, orderId: sampleOrder._id, rating: 5, comment: 'Turns smoothly' }), status: 201, example: { message: 'Reviewed successfully' }, errors: ['CONFLICT', 'INVALID_STATE'], response: { message } },
  { method: 'post', path: '/api/v1/event/create-event', summary: 'List an event (multipart with `images`)', tag: 'event', guard: 'seller', body: { schema: createEventInput, media: 'multipart', files: 'images' }, status: 201, example: { event: sampleEvent }, response: { event: listingDto } },
  { method: 'get', path: '/api/v1/event/get-all-events', summary: 'Running and upcoming events', tag: 'event', guard: 'public', query: listEventsInput, example: { events: [sampleEvent], ...sampleListingPage }, response: { events: z.array(listingDto), ...listingPageDto.shape } },
  { method: 'get', path: '/api/v1/event/get-all-events/:shopId', summary: 'A shop\'s events', tag: 'event', guard: 'public', params: { shopId: 'shop' }, query: listEventsInput, example: { events: [sampleEvent], ...sampleListingPage }, response: { events: z.array(listingDto), ...listingPageDto.shape } },
  { method: 'delete', path: '/api/v1/event/delete-event/:id', summary: 'Delete one of the shop\'s events', tag: 'event', guard: 'seller', params: { id: 'event' }, example: { message: 'Event deleted' }, response: { message } },
  { method: 'get', path: '/api/v1/event/admin-all-events', summary: 'Every event, any status', tag: 'admin', guard: 'admin', query: adminEventsInput, example: { events: [sampleEvent], ...sampleListingPage }, response: { events: z.array(listingDto), ...listingPageDto.shape } },

  // Buying
  { method: 'post', path: '/api/v1/cart/add-to-cart', summary: 'Add a product to the server cart', tag: 'cart', guard: 'user', body: json(addToCartInput, { productId: sampleListing._id, qty: 2 }), example: { cart: sampleCart }, errors: ['CONFLICT', 'INVALID_STATE'], response: { cart: cartDto } },
  { method: 'get', path: '/api/v1/cart/get-cart', summary: 'The server cart', tag: 'cart', guard: 'user', example: { cart: sampleCart }, response: { cart: cartDto } },
  { method: 'put', path: '/api/v1/cart/update-cart-item', summary: 'Change a cart line\'s quantity', tag: 'cart', guard: 'user', body: json(updateCartItemInput, { productId: sampleListing._id, qty: 3 }), example: { cart: sampleCart }, errors: ['CONFLICT', 'INVALID_STATE'], response: { cart: cartDto } },
  { method: 'delete', path: '/api/v1/cart/remove-cart-item/:productId', summary: 'Remove a cart line', tag: 'cart', guard: 'user', params: { productId: 'string' }, example: { cart: sampleCart }, response: { cart: cartDto } },
  { method: 'delete', path: '/api/v1/cart/clear-cart', summary: 'Empty the cart', tag: 'cart', guard: 'user', example: { cart: sampleCart }, response: { cart: cartDto } },
  { method: 'post', path: '/api/v1/coupon/create-coupon', summary: 'Create a shop coupon', tag: 'coupon', guard: 'seller', body: json(createCouponInput, { name: 'GEARS10', value: 10, minAmount: 20, usageLimit: 100 }), status: 201, example: { couponCode: sampleCoupon }, errors: ['CONFLICT'], response: { couponCode: couponDto } },
  { method: 'get', path: '/api/v1/coupon/get-coupon/:shopId', summary: 'The signed-in shop\'s coupons', tag: 'coupon', guard: 'seller', params: { shopId: 'shop' }, example: { couponCodes: [sampleCoupon] }, response: { couponCodes: z.array(couponDto) } },
  { method: 'delete', path: '/api/v1/coupon/delete-coupon/:id', summary: 'Delete one of the shop\'s coupons', tag: 'coupon', guard: 'seller', params: { id: 'coupon' }, example: { message: 'Coupon deleted' }, response: { message } },
  { method: 'get', path: '/api/v1/coupon/get-coupon-value/:name', summary: 'A coupon by its code', tag: 'coupon', guard: 'public', params: { name: 'string' }, example: { couponCode: samplePublicCoupon }, response: { couponCode: publicCouponDto.nullable() } },
  { method: 'get', path: '/api/v1/payment/get/stripeapikey', summary: 'Stripe\'s publishable key', tag: 'payment', guard: 'public', example: { stripeApikey: 'pk_test_51Hexample' }, errors: ['SERVICE_UNAVAILABLE'], response: { stripeApikey: z.string().nullable() } },
  { method: 'post', path: '/api/v1/payment/payment-process', summary: 'Start a card payment for the cart', tag: 'payment', guard: 'user', body: json(startCardPaymentInput, { shippingAddress: { ...address, phoneNumber: '+44 20 7946 0000' }, couponCode: 'GEARS10' }), status: 201, example: sampleCardPayment, errors: ['CONFLICT', 'INVALID_STATE', 'SERVICE_UNAVAILABLE', 'EXTERNAL_SERVICE', 'PAYMENT_FAILED'], response: cardPaymentDto.shape },
  { method: 'post', path: '/api/v1/order/create-order', summary: 'Place the cart\'s orders (one per shop) after a payment', tag: 'order', guard: 'user', body: json(placeOrderInput, { shippingAddress: { ...address, phoneNumber: '+44 20 7946 0000' }, paymentInfo: { type: 'Credit Card', id: 'pi_3QexampleIntent' }, couponCode: 'GEARS10' }), status: 201, example: { orders: [sampleOrder] }, errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE', 'PAYMENT_FAILED'], response: { orders: z.array(orderDto) } },
  { method: 'get', path: '/api/v1/order/get-all-orders', summary: 'The buyer\'s orders', tag: 'order', guard: 'user', query: orderListInput, example: { orders: [sampleOrder], ...samplePage }, response: { orders: z.array(orderDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/order/get-all-orders/:userId', summary: 'The buyer\'s orders (the id must be the caller\'s own)', tag: 'order', guard: 'user', params: { userId: 'user' }, query: orderListInput, example: { orders: [sampleOrder], ...samplePage }, response: { orders: z.array(orderDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/order/get-seller-all-orders', summary: 'The shop\'s orders', tag: 'order', guard: 'seller', query: orderListInput, example: { orders: [sampleOrder], ...samplePage }, response: { orders: z.array(orderDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/order/admin-all-orders', summary: 'Every order', tag: 'admin', guard: 'admin', query: orderListInput, example: { orders: [sampleOrder], ...samplePage }, response: { orders: z.array(orderDto), ...pageDto.shape } },
  { method: 'put', path: '/api/v1/order/update-order-status/:id', summary: 'Move one of the shop\'s orders along', tag: 'order', guard: 'seller', params: { id: 'order' }, body: json(updateOrderStatusInput, { status: 'Shipping' }), example: { order: sampleOrder }, errors: ['INVALID_STATE'], response: { order: orderDto } },
  { method: 'put', path: '/api/v1/order/order-refund/:id', summary: 'Ask for a refund of one of the buyer\'s orders', tag: 'order', guard: 'user', params: { id: 'order' }, body: json(requestRefundInput, { reason: 'Two gears arrived bent' }), example: { order: sampleOrder, message: 'Refund requested' }, errors: ['INVALID_STATE'], response: { order: orderDto, message } },
  { method: 'put', path: '/api/v1/order/order-refund-success/:id', summary: 'Refund an order: its shop, or an admin', tag: 'order', guard: 'either', params: { id: 'order' }, example: { order: sampleOrder, message: 'Order refunded' }, errors: ['INVALID_STATE', 'EXTERNAL_SERVICE'], response: { order: orderDto, message } },
  { method: 'get', path: '/api/v1/order/:id', summary: 'One order: its buyer, its shop, or an admin', tag: 'order', guard: 'either', params: { id: 'order' }, example: { order: sampleOrder }, response: { order: orderDto } },
  { method: 'post', path: '/api/v1/withdraw/create-withdraw-request', summary: 'Ask to withdraw available balance', tag: 'withdraw', guard: 'seller', body: json(requestWithdrawalInput, { amount: 100 }), status: 201, example: { withdraw: sampleWithdrawal }, errors: ['INSUFFICIENT_FUNDS', 'INVALID_STATE'], response: { withdraw: withdrawalDto } },
  { method: 'get', path: '/api/v1/withdraw/my-withdraw-requests', summary: 'The shop\'s withdrawal requests', tag: 'withdraw', guard: 'seller', query: listWithdrawalsInput, example: { withdraws: [sampleWithdrawal], ...samplePage }, response: { withdraws: z.array(withdrawalDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/withdraw/get-all-withdraw-request', summary: 'Every withdrawal request', tag: 'admin', guard: 'admin', query: listWithdrawalsInput, example: { withdraws: [sampleWithdrawal], ...samplePage }, response: { withdraws: z.array(withdrawalDto), ...pageDto.shape } },
  { method: 'put', path: '/api/v1/withdraw/update-withdraw-request/:id', summary: 'Approve a withdrawal (marks it paid)', tag: 'admin', guard: 'admin', params: { id: 'withdrawal' }, example: { withdraw: samplePaidWithdrawal, withdraws: [samplePaidWithdrawal] }, errors: ['INVALID_STATE'], response: { withdraw: withdrawalDto, withdraws: z.array(withdrawalDto) } },
  { method: 'put', path: '/api/v1/withdraw/reject-withdraw-request/:id', summary: 'Reject a withdrawal, with a reason', tag: 'admin', guard: 'admin', params: { id: 'withdrawal' }, body: json(rejectWithdrawalInput.omit({ id: true }), { reason: 'The bank details do not match the shop owner' }), example: { withdraw: sampleWithdrawal }, errors: ['INVALID_STATE'], response: { withdraw: withdrawalDto } },

  // Messaging and live events
  { method: 'post', path: '/api/v1/conversation/create-new-conversation', summary: 'Open (or find) the buyer\'s conversation with a shop', tag: 'messaging', guard: 'user', body: json(createConversationInput, { sellerId: sampleSeller._id, productId: sampleListing._id }), status: 201, alsoStatus: 200, example: { conversation: sampleConversation }, response: { conversation: conversationDto } },
  { method: 'get', path: '/api/v1/conversation/get-all-user-conversations', summary: 'The buyer\'s conversations', tag: 'messaging', guard: 'user', query: listConversationsInput, example: { conversations: [sampleConversation], ...samplePage }, response: { conversations: z.array(conversationDto), ...pageDto.shape } },
  { method: 'get', path: '/api/v1/conversation/get-all-seller-conversations', summary: 'The shop\'s conversations', tag: 'messaging', guard: 'seller', query: listConversationsInput, example: { conversations: [sampleConversation], ...samplePage }, response: { conversations: z.array(conversationDto), ...pageDto.shape } },
  { method: 'post', path: '/api/v1/message/create-new-message', summary: 'Post a message (JSON, or multipart with `images`)', tag: 'messaging', guard: 'either', body: json(postMessageInput, { conversationId: sampleConversation._id, text: sampleMessage.text }, 'images'), status: 201, example: { message: sampleMessage }, rateLimited: true, response: { message: messageDto } },
  { method: 'get', path: '/api/v1/message/get-all-messages/:conversationId', summary: 'A conversation\'s messages, newest page first', tag: 'messaging', guard: 'either', params: { conversationId: 'conversation' }, query: listMessagesInput.omit({ conversationId: true }), example: sampleMessagePage, response: messagePageDto.shape },
  { method: 'get', path: '/api/v1/stream', summary: 'Live events for the signed-in account (Server-Sent Events; `as=user|shop` picks the identity)', tag: 'stream', guard: 'either', example: {}, produces: 'text/event-stream' },
];
