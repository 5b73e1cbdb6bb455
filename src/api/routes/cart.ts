import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import * as cart from '../../core/cart/index.ts';
import { accountId, requestCtx, requireUser } from '../session.ts';
import { jsonBody } from '../body.ts';

/** The buyer's server-side cart; every answer is the cart priced now. */
export function cartRoutes(core: Core): Router {
  const r = Router();
  r.use(requireUser(core));
  const json = jsonBody(core.config);
  r.post('/add-to-cart', json, async (req, res) => {
    res.json({ success: true, cart: await cart.addToCart(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.get('/get-cart', async (req, res) => {
    res.json({ success: true, cart: await cart.getCart(requestCtx(core, req, res), accountId(res)) });
  });
  r.put('/update-cart-item', json, async (req, res) => {
    res.json({ success: true, cart: await cart.updateCartItem(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.delete('/remove-cart-item/:productId', async (req, res) => {
    res.json({ success: true, cart: await cart.removeCartItem(requestCtx(core, req, res), accountId(res), req.params.productId) });
  });
  r.delete('/clear-cart', async (req, res) => {
    res.json({ success: true, cart: await cart.clearCart(requestCtx(core, req, res), accountId(res)) });
  });
  return r;
}
