import { Router } from 'express';
import { AppError, type Core } from '../../core/index.ts';
import { replaceCart } from '../../core/cart/index.ts';
import * as coupons from '../../core/coupons/index.ts';
import { placeOrder, startCardPayment } from '../../core/flows/index.ts';
import { jsonBody } from '../body.ts';
import { accountId, requestCtx, requireUser } from '../session.ts';

/*
 * The storefront keeps its cart in the browser and sends it whole at checkout, with the prices it
 * showed and a total it computed (`totalPrice`, `amount`). Only each line's product id and quantity
 * are read: they become the buyer's server cart (replaceCart, all or nothing, with add-to-cart's
 * checks), and from there on it is /api/v1's checkout: priced by the server, the PaymentIntent for
 * the server's amount, orders from the server cart. The client's totals, prices, `user` and payment
 * `status` are never read, so a tampered total is never charged: the buyer pays the server's price,
 * which every answer states (`amount`, each order's `totalPrice`).
 */

type Body = Record<string, unknown>;

/** `[{ _id, qty, …the product as the browser kept it }]` → the ids and quantities, nothing else. */
function clientCartLines(cart: unknown) {
  if (!Array.isArray(cart))
    throw new AppError('VALIDATION_FAILED', 'cart must be a list of items', { fields: { cart: 'must be a list of items' } });
  return cart.map((line) => {
    const item = (line ?? {}) as Body;
    return { productId: item._id ?? item.productId, qty: item.qty };
  });
}

function requireShippingAddress(body: Body, route: string) {
  if (body.shippingAddress === undefined || body.shippingAddress === null)
    throw new AppError('VALIDATION_FAILED', `${route} needs the shippingAddress the order goes to`, {
      fields: { shippingAddress: 'is required' },
    });
}

// The card form spells the key `paymnentInfo` (storefront's Payment.jsx); both spellings are read.
const paymentInfoOf = (body: Body) => (body.paymentInfo ?? body.paymnentInfo ?? {}) as Body;

/** Card payment set-up and order creation under the storefront's paths. */
export function v2CheckoutRoutes(core: Core): { payment: Router; order: Router; coupon: Router } {
  const user = requireUser(core);
  const json = jsonBody(core.config);

  const payment = Router();
  payment.get('/stripeapikey', (_req, res) => {
    res.json({ success: true, stripeApikey: core.config.stripe.publishableKey ?? null });
  });
  // The storefront sends only `{ amount }`; an amount is not a price, so the cart and address the
  // payment is for must come with it (README: the one change the card journey needs).
  payment.post('/process', user, json, async (req, res) => {
    const body = (req.body ?? {}) as Body;
    requireShippingAddress(body, 'payment/process');
    const ctx = requestCtx(core, req, res);
    if (body.cart !== undefined) await replaceCart(ctx, accountId(res), { lines: clientCartLines(body.cart) });
    const started = await startCardPayment(ctx, accountId(res), { shippingAddress: body.shippingAddress, couponCode: body.couponCode });
    res.status(201).json({ success: true, ...started });
  });

  const order = Router();
  order.post('/create-order', user, json, async (req, res) => {
    const body = (req.body ?? {}) as Body;
    const info = paymentInfoOf(body);
    if (info.type === 'Paypal')
      throw new AppError('VALIDATION_FAILED', 'PayPal is not offered here: pay by card or cash on delivery', {
        fields: { 'paymentInfo.type': 'must be Credit Card or Cash On Delivery' },
      });
    requireShippingAddress(body, 'create-order');
    const ctx = requestCtx(core, req, res);
    // A card order completes the checkout its PaymentIntent was made for; the lines are the ones priced then.
    if (info.type !== 'Credit Card' && body.cart !== undefined) await replaceCart(ctx, accountId(res), { lines: clientCartLines(body.cart) });
    const orders = await placeOrder(ctx, accountId(res), {
      shippingAddress: body.shippingAddress,
      paymentInfo: { type: info.type, id: info.id },
      couponCode: body.couponCode,
    });
    res.status(201).json({ success: true, orders });
  });

  const coupon = Router();
  // An unknown code is a 200 with `couponCode: null`, which is what the storefront tests for.
  coupon.get('/get-coupon-value/:name', async (req, res) => {
    res.json({ success: true, couponCode: await coupons.getCouponValue(core.ctx(undefined, req.log), req.params.name) });
  });
  return { payment, order, coupon };
}
