export { getCart, addToCart, updateCartItem, removeCartItem, clearCart, replaceCart, addToCartInput, updateCartItemInput, replaceCartInput } from './cart-items.ts';
export { loadCart, loadCartForOrder, cartLinesTaken, cartLinesRead, unavailableReason, type CartRow, type CartForOrder } from './load-cart.ts';
export { priceCart, type PricedCart, type PricedShop, type PricedLine, type CouponTerms } from './price-cart.ts';
export { cartDto, toCartDto, type CartDto } from './dto.ts';
