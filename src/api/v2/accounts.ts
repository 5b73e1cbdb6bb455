import { Router } from 'express';
import { AppError, type Core } from '../../core/index.ts';
import { changePassword } from '../../core/auth/index.ts';
import * as shops from '../../core/shops/index.ts';
import * as users from '../../core/users/index.ts';
import { imageBody, jsonBody, signUpBody } from '../body.ts';
import type { AuthLimiters } from '../routes/users.ts';
import { accountId, logout, requestCtx, requireAdmin, requireSeller, requireUser, setSessionCookie } from '../session.ts';
import { imageFromRequest } from '../uploads.ts';
import { wholeList } from './shims.ts';

// The storefront's admin dashboard deletes without giving a reason; the audit row still says where it came from.
const DASHBOARD_REASON = 'deleted from the storefront admin dashboard';
const reasonOf = (body: unknown) => (body as { reason?: unknown } | undefined)?.reason ?? DASHBOARD_REASON;

async function requireAvatar(req: Parameters<typeof imageFromRequest>[0], core: Core) {
  const avatar = await imageFromRequest(req, core.config, 'avatar');
  if (!avatar) throw new AppError('VALIDATION_FAILED', 'avatar is required', { fields: { avatar: 'is required' } });
  return avatar;
}

/**
 * The storefront's password form sends `confirmPassword` beside the new one; a mismatch is refused
 * here, where the field exists, before the core's password change (which never sees it).
 */
function confirmedPassword(body: unknown) {
  const { confirmPassword, newPassword } = (body ?? {}) as { confirmPassword?: unknown; newPassword?: unknown };
  if (confirmPassword !== undefined && confirmPassword !== newPassword)
    throw new AppError('VALIDATION_FAILED', 'confirmPassword does not match newPassword', { fields: { confirmPassword: 'does not match newPassword' } });
  return body ?? {};
}

/** Buyer accounts under the storefront's paths (`/user/create-user`, `/user/getuser`, …). */
export function v2UserRoutes(core: Core, limit: AuthLimiters): Router {
  const r = Router();
  const { config } = core;
  const user = requireUser(core);
  const admin = requireAdmin(core);
  const json = jsonBody(config);

  r.post('/create-user', limit.signUp, signUpBody(config), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    const { email } = await users.registerUser(core.ctx(undefined, req.log), req.body ?? {}, avatar);
    res.status(201).json({ success: true, message: `Please check your email (${email}) to activate your account` });
  });
  r.post('/activation', limit.verify, json, async (req, res) => {
    const { user: profile, token } = await users.activateUser(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.status(201).json({ success: true, user: profile, token });
  });
  r.post('/login-user', limit.signIn, json, async (req, res) => {
    const { user: profile, token } = await users.loginUser(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.json({ success: true, user: profile, token });
  });
  r.get('/getuser', user, async (req, res) => {
    res.json({ success: true, user: await users.getUserProfile(requestCtx(core, req, res), accountId(res)) });
  });
  r.get('/logout', logout(core, 'user'));
  r.put('/update-user-info', user, json, async (req, res) => {
    res.json({ success: true, user: await users.updateUserInfo(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.put('/update-avatar', user, imageBody(config, 'avatar', 1), async (req, res) => {
    const avatar = await requireAvatar(req, core);
    res.json({ success: true, user: await users.updateUserAvatar(requestCtx(core, req, res), accountId(res), avatar) });
  });
  r.put('/update-user-addresses', user, json, async (req, res) => {
    res.json({ success: true, user: await users.addAddress(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.delete('/delete-user-address/:id', user, async (req, res) => {
    res.json({ success: true, user: await users.deleteAddress(requestCtx(core, req, res), accountId(res), req.params.id) });
  });
  r.put('/update-user-password', user, json, async (req, res) => {
    const token = await changePassword(requestCtx(core, req, res), 'user', accountId(res), confirmedPassword(req.body));
    setSessionCookie(res, config, 'user', token);
    res.json({ success: true, message: 'Password changed; your other sessions were signed out' });
  });
  r.get('/user-info/:id', async (req, res) => {
    res.json({ success: true, user: await users.getPublicUser(core.ctx(undefined, req.log), req.params.id) });
  });
  r.get('/admin-all-users', admin, async (req, res) => {
    res.json({ success: true, ...(await users.listUsers(requestCtx(core, req, res), wholeList(req))) });
  });
  r.delete('/delete-user/:id', admin, json, async (req, res) => {
    await users.deleteUser(requestCtx(core, req, res), req.params.id, reasonOf(req.body));
    res.json({ success: true, message: 'User deleted' });
  });
  return r;
}

/** Seller accounts under the storefront's paths (`/shop/create-shop`, `/shop/getSeller`, …). */
export function v2ShopRoutes(core: Core, limit: AuthLimiters): Router {
  const r = Router();
  const { config } = core;
  const seller = requireSeller(core);
  const admin = requireAdmin(core);
  const json = jsonBody(config);

  r.post('/create-shop', limit.signUp, signUpBody(config), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    const { email } = await shops.registerShop(core.ctx(undefined, req.log), req.body ?? {}, avatar);
    res.status(201).json({ success: true, message: `Please check your email (${email}) to activate your shop` });
  });
  r.post('/activation', limit.verify, json, async (req, res) => {
    const { seller: profile, token } = await shops.activateShop(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'shop', token);
    res.status(201).json({ success: true, seller: profile, token });
  });
  r.post('/login-shop', limit.signIn, json, async (req, res) => {
    const { seller: profile, token } = await shops.loginShop(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'shop', token);
    res.json({ success: true, seller: profile, token });
  });
  r.get('/getSeller', seller, async (req, res) => {
    res.json({ success: true, seller: await shops.getSellerProfile(requestCtx(core, req, res), accountId(res)) });
  });
  r.get('/get-shop-info/:id', async (req, res) => {
    res.json({ success: true, shop: await shops.getPublicShop(core.ctx(undefined, req.log), req.params.id) });
  });
  r.get('/logout', logout(core, 'shop'));
  r.put('/update-shop-avatar', seller, imageBody(config, 'avatar', 1), async (req, res) => {
    const avatar = await requireAvatar(req, core);
    res.json({ success: true, seller: await shops.updateShopAvatar(requestCtx(core, req, res), accountId(res), avatar) });
  });
  r.put('/update-seller-info', seller, json, async (req, res) => {
    res.json({ success: true, seller: await shops.updateSellerInfo(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.put('/update-payment-methods', seller, json, async (req, res) => {
    res.json({ success: true, seller: await shops.setWithdrawMethod(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.delete('/delete-withdraw-method', seller, async (req, res) => {
    res.json({ success: true, seller: await shops.removeWithdrawMethod(requestCtx(core, req, res), accountId(res)) });
  });
  r.get('/admin-all-sellers', admin, async (req, res) => {
    res.json({ success: true, ...(await shops.listShops(requestCtx(core, req, res), wholeList(req))) });
  });
  r.delete('/delete-seller/:id', admin, json, async (req, res) => {
    await shops.deleteShop(requestCtx(core, req, res), req.params.id, reasonOf(req.body));
    res.json({ success: true, message: 'Shop deleted' });
  });
  return r;
}
