import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { AppError } from '../../core/index.ts';
import { changePassword, forgotPassword, resetPassword } from '../../core/auth/index.ts';
import * as shops from '../../core/shops/index.ts';
import { imageFromRequest } from '../uploads.ts';
import { imageBody, jsonBody, signUpBody } from '../body.ts';
import { accountId, clearSessionCookie, logout, requestCtx, requireAdmin, requireSeller, setSessionCookie } from '../session.ts';
import type { AuthLimiters } from './users.ts';

/** Seller accounts: shop sign-up, sessions, shop profile, bank details, admin. */
export function shopRoutes(core: Core, limit: AuthLimiters): Router {
  const r = Router();
  const { config } = core;
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  const json = jsonBody(config);

  r.post('/register', limit.signUp, signUpBody(config), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    const { email } = await shops.registerShop(core.ctx(undefined, req.log), req.body ?? {}, avatar);
    res.status(201).json({ success: true, message: `Please check your email (${email}) to activate your shop` });
  });

  r.post('/activate-account', limit.verify, json, async (req, res) => {
    const { seller: profile, token } = await shops.activateShop(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'shop', token);
    res.status(201).json({ success: true, seller: profile, token });
  });

  r.post('/login', limit.signIn, json, async (req, res) => {
    const { seller: profile, token } = await shops.loginShop(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'shop', token);
    res.json({ success: true, seller: profile, token });
  });

  r.get('/me', seller, async (req, res) => {
    res.json({ success: true, seller: await shops.getSellerProfile(requestCtx(core, req, res), accountId(res)) });
  });

  const signOut = logout(core, 'shop');
  r.get('/logout', signOut);
  r.post('/logout', signOut);

  r.get('/shop-info/:id', async (req, res) => {
    res.json({ success: true, shop: await shops.getPublicShop(core.ctx(undefined, req.log), req.params.id) });
  });

  r.put('/update-avatar', seller, imageBody(config, 'avatar', 1), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    if (!avatar) throw new AppError('VALIDATION_FAILED', 'avatar is required', { fields: { avatar: 'is required' } });
    res.json({ success: true, seller: await shops.updateShopAvatar(requestCtx(core, req, res), accountId(res), avatar) });
  });

  r.put('/update-seller-info', seller, json, async (req, res) => {
    res.json({ success: true, seller: await shops.updateSellerInfo(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });

  r.put('/update-payment-method', seller, json, async (req, res) => {
    res.json({ success: true, seller: await shops.setWithdrawMethod(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.delete('/delete-withdraw-method', seller, async (req, res) => {
    res.json({ success: true, seller: await shops.removeWithdrawMethod(requestCtx(core, req, res), accountId(res)) });
  });

  r.put('/change-password', seller, json, async (req, res) => {
    const token = await changePassword(requestCtx(core, req, res), 'shop', accountId(res), req.body ?? {});
    setSessionCookie(res, config, 'shop', token);
    res.json({ success: true, message: 'Password changed; your other sessions were signed out' });
  });
  r.post('/forgot-password', limit.verify, json, async (req, res) => {
    await forgotPassword(core.ctx(undefined, req.log), 'shop', req.body ?? {});
    res.json({ success: true, message: 'If a shop exists for this email, we sent a link to reset its password' });
  });
  r.post('/reset-password', limit.verify, json, async (req, res) => {
    await resetPassword(core.ctx(undefined, req.log), 'shop', req.body ?? {});
    clearSessionCookie(res, config, 'shop');
    res.json({ success: true, message: 'Password updated, please sign in' });
  });

  r.get('/admin/sellers', admin, async (req, res) => {
    res.json({ success: true, ...(await shops.listShops(requestCtx(core, req, res), req.query)) });
  });
  r.delete('/admin/seller/:id', admin, json, async (req, res) => {
    await shops.deleteShop(requestCtx(core, req, res), req.params.id, (req.body as { reason?: unknown } | undefined)?.reason);
    res.json({ success: true, message: 'Shop deleted' });
  });

  return r;
}
