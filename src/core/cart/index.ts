export { getCart, addToCart, updateCartItem, removeCartItem, clearCart, replaceCart, addToCartInput, updateCartItemInput, replaceCartInput } from './cart-items.ts';
export { loadCart, takeCart, unavailableReason, type CartRow, type TakenCart } from './load-cart.ts';
export { priceCart, type PricedCart, type PricedShop, type PricedLine, type CouponTerms } from './price-cart.ts';
export { cartDto, toCartDto, type CartDto } from './dto.ts';
