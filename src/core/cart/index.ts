export { getCart, addToCart, updateCartItem, removeCartItem, clearCart, addToCartInput, updateCartItemInput } from './cart-items.ts';
export { loadCart, unavailableReason, type CartRow } from './load-cart.ts';
export { priceCart, type PricedCart, type PricedShop, type PricedLine, type CouponTerms } from './price-cart.ts';
export { toCartDto, type CartDto } from './dto.ts';
