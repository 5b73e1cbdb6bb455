import type { ListingDto, ListingPage, ProductDetailDto } from '../../core/catalog/index.ts';
import type { CartDto } from '../../core/cart/index.ts';
import type { CouponDto, PublicCouponDto } from '../../core/coupons/coupons.ts';
import type { CardPaymentDto } from '../../core/flows/index.ts';
import type { BalanceDto, TransactionDto } from '../../core/ledger/index.ts';
import type { ConversationDto, MessageDto } from '../../core/messaging/index.ts';
import type { MessagePage } from '../../core/messaging/list-messages.ts';
import type { OrderDto } from '../../core/orders/dto.ts';
import { idPrefixes, type IdKind } from '../../core/shared/id-kinds.ts';
import type { PublicShopDto, SellerDto } from '../../core/shops/index.ts';
import type { PublicUserDto, UserDto } from '../../core/users/index.ts';
import type { WithdrawalDto } from '../../core/withdrawals/index.ts';

/*
 * One small marketplace, typed by core's DTOs, from which every example in the OpenAPI document is
 * taken: an example cannot lose a key its schema requires without the typecheck failing, and
 * test/api/openapi-examples.test.ts checks the formats and patterns types cannot express.
 */

const id = (kind: IdKind, n: number) => `${idPrefixes[kind]}_01jhx4d3k8${String(n).padStart(16, '0')}`;
const at = '2026-01-15T10:00:00.000Z';
const later = '2026-01-16T09:30:00.000Z';
const image = (name: string) => ({ public_id: `mvshop/${name}`, url: `https://res.cloudinary.com/demo/image/upload/mvshop/${name}.jpg` });

const userId = id('user', 1);
const shopId = id('shop', 1);
const productId = id('product', 1);
const orderId = id('order', 1);
const conversationId = id('conversation', 1);

export const sampleUser: UserDto = {
  _id: userId,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phoneNumber: '+44 20 7946 0000',
  avatar: null,
  role: 'User',
  addresses: [{ _id: id('address', 1), country: 'GB', state: null, city: 'London', address1: '12 Analytical Row', address2: null, zipCode: 'N1 9GU', addressType: 'Home' }],
  createdAt: at,
  updatedAt: at,
};

export const samplePublicUser: PublicUserDto = { _id: userId, name: sampleUser.name, avatar: null, createdAt: at };

const withdrawMethod = {
  bankName: 'Example Bank',
  bankCountry: 'GB',
  bankSwiftCode: 'EXAMGB2L',
  bankAccountNumber: '****5678',
  bankHolderName: 'Babbage Supplies Ltd',
  bankAddress: '1 Bank Street, London',
};

export const sampleSeller: SellerDto = {
  _id: shopId,
  name: 'Babbage Supplies',
  email: 'shop@example.com',
  phoneNumber: '+44 20 7946 0001',
  address: '3 Engine Lane, London',
  zipCode: 'N1 9GV',
  description: 'Gears, cards and difference engines',
  avatar: image('babbage'),
  withdrawMethod,
  availableBalance: 120.5,
  shippingFee: 4.99,
  role: 'Seller',
  createdAt: at,
  updatedAt: at,
};

export const samplePublicShop: PublicShopDto = {
  _id: shopId,
  name: sampleSeller.name,
  description: sampleSeller.description,
  avatar: sampleSeller.avatar,
  address: sampleSeller.address,
  createdAt: at,
};

export const sampleListing: ListingDto = {
  _id: productId,
  kind: 'product',
  name: 'Brass gear set',
  description: 'Twelve precision gears',
  category: 'Tools',
  tags: ['gears', 'brass'],
  images: [image('gears')],
  originalPrice: 49.99,
  discountPrice: 39.99,
  price: 39.99,
  stock: 8,
  sold_out: 2,
  ratings: 4.5,
  numReviews: 2,
  shopId,
  shop: { ...samplePublicShop, ratings: 4.5 },
  status: 'active',
  moderationReason: null,
  createdAt: at,
  updatedAt: at,
};

export const sampleEvent: ListingDto = {
  ...sampleListing,
  _id: id('event', 1),
  kind: 'event',
  name: 'Winter gear sale',
  start_Date: at,
  finish_Date: later,
  Finish_Date: later,
  eventStatus: 'running',
};

export const sampleProductDetail: ProductDetailDto = {
  ...sampleListing,
  reviews: [{ _id: id('review', 1), user: { _id: userId, name: sampleUser.name, avatar: null }, rating: 5, comment: 'Turns smoothly', createdAt: later }],
};

export const sampleCart: CartDto = {
  shops: [
    {
      shop: { _id: shopId, name: sampleSeller.name, avatar: sampleSeller.avatar },
      items: [
        {
          _id: productId,
          productId,
          shopId,
          name: sampleListing.name,
          image: image('gears'),
          price: 39.99,
          qty: 2,
          stock: 8,
          discount: 0,
          lineTotal: 79.98,
          available: true,
        },
      ],
      subtotal: 79.98,
      discount: 0,
      shipping: 4.99,
      total: 84.97,
    },
  ],
  subtotal: 79.98,
  discount: 0,
  shipping: 4.99,
  total: 84.97,
  currency: 'usd',
  itemCount: 2,
  problems: [],
};

export const sampleCoupon: CouponDto = {
  _id: id('coupon', 1),
  name: 'GEARS10',
  value: 10,
  shopId,
  minAmount: 20,
  maxAmount: null,
  selectedProduct: null,
  expiresAt: later,
  usageLimit: 100,
  usedCount: 3,
  createdAt: at,
};

export const samplePublicCoupon: PublicCouponDto = {
  _id: sampleCoupon._id,
  name: sampleCoupon.name,
  value: sampleCoupon.value,
  shopId,
  selectedProduct: null,
  minAmount: sampleCoupon.minAmount,
  maxAmount: null,
  expiresAt: sampleCoupon.expiresAt,
};

export const sampleOrder: OrderDto = {
  _id: orderId,
  checkoutId: id('checkout', 1),
  shopId,
  shop: { _id: shopId, name: sampleSeller.name },
  user: { _id: userId, name: sampleUser.name, email: sampleUser.email, phoneNumber: sampleUser.phoneNumber },
  cart: [
    {
      _id: productId,
      lineId: id('orderLine', 1),
      productId,
      shopId,
      name: sampleListing.name,
      images: [image('gears')],
      price: 49.99,
      discountPrice: 39.99,
      qty: 2,
      discount: 0,
      lineTotal: 79.98,
      isReviewed: false,
    },
  ],
  subtotal: 79.98,
  discount: 0,
  shipping: 4.99,
  totalPrice: 84.97,
  platformFee: 8.5,
  currency: 'usd',
  status: 'Processing',
  paymentInfo: { id: 'pi_3QexampleIntent', type: 'Credit Card', status: 'succeeded' },
  shippingAddress: { address1: '12 Analytical Row', city: 'London', country: 'GB', zipCode: 'N1 9GU', phoneNumber: sampleUser.phoneNumber },
  refundReason: null,
  paidAt: at,
  deliveredAt: null,
  refundedAt: null,
  createdAt: at,
  updatedAt: at,
};

export const sampleWithdrawal: WithdrawalDto = {
  _id: id('withdrawal', 1),
  seller: { _id: shopId, name: sampleSeller.name },
  shopId,
  amount: 100,
  currency: 'usd',
  status: 'Processing',
  withdrawMethod,
  reason: null,
  decidedBy: null,
  decidedAt: null,
  createdAt: at,
  updatedAt: at,
};

/** The same request after an admin approved it (the payout is marked paid). */
export const samplePaidWithdrawal: WithdrawalDto = { ...sampleWithdrawal, status: 'succeed', decidedBy: id('user', 2), decidedAt: later, updatedAt: later };

export const sampleMessage: MessageDto = {
  _id: id('message', 1),
  conversationId,
  sender: userId,
  senderSide: 'user',
  text: 'Do the gears fit a 1840s engine?',
  images: [],
  readAt: null,
  createdAt: later,
};

export const sampleConversation: ConversationDto = {
  _id: conversationId,
  members: [userId, shopId],
  userId,
  sellerId: shopId,
  productId,
  user: { _id: userId, name: sampleUser.name, avatar: null },
  shop: { _id: shopId, name: sampleSeller.name, avatar: sampleSeller.avatar },
  otherParty: { _id: shopId, name: sampleSeller.name, avatar: sampleSeller.avatar },
  lastMessage: sampleMessage.text,
  lastMessageId: sampleMessage._id,
  lastMessageSender: userId,
  messageCount: 1,
  unread: 0,
  createdAt: at,
  updatedAt: later,
};

export const sampleMessagePage: MessagePage = { conversation: sampleConversation, messages: [sampleMessage], total: 1, before: null };

export const sampleBalance: BalanceDto = { pending: 76.47, available: 120.5, onHold: 0, paidOut: 100, debt: 0, currency: 'usd' };

export const sampleTransaction: TransactionDto = {
  _id: id('entry', 1),
  kind: 'sale',
  account: 'pending',
  amount: 84.97,
  balance: 84.97,
  reference: orderId,
  currency: 'usd',
  createdAt: at,
};

export const sampleCardPayment: CardPaymentDto = { checkoutId: sampleOrder.checkoutId, client_secret: 'pi_3QexampleIntent_secret_abc', amount: 84.97, currency: 'usd' };

/** A session token, as a sign-in answers it beside the account. */
export const sampleToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfMDFqaHg0ZDNrOCJ9.signature';

/** One page of a list of `items`. */
export const samplePage = { total: 1, page: 1, pages: 1 };

/** One page of listings, counted exactly. */
export const sampleListingPage: ListingPage = { ...samplePage, totalExact: true };
