import { Router } from 'express';
import type { Core } from '../../core/index.ts';
import { AppError } from '../../core/index.ts';
import { changePassword, forgotPassword, resetPassword } from '../../core/auth/index.ts';
import * as users from '../../core/users/index.ts';
import type { RequestHandler } from 'express';
import { imageFromRequest } from '../uploads.ts';
import { imageBody, jsonBody, signUpBody } from '../body.ts';
import {
  accountId,
  clearSessionCookie,
  logout,
  requestCtx,
  requireAdmin,
  requireUser,
  setSessionCookie,
} from '../session.ts';

export interface AuthLimiters {
  signIn: RequestHandler;
  signUp: RequestHandler;
  verify: RequestHandler;
}

const RESET_REQUESTED = 'If an account exists for this email, we sent a link to reset its password';

/** Buyer accounts: sign-up, sessions, profile, addresses, passwords, admin. */
export function userRoutes(core: Core, limit: AuthLimiters): Router {
  const r = Router();
  const { config } = core;
  const user = requireUser(core);
  const admin = requireAdmin(core);
  const json = jsonBody(config);

  r.post('/register', limit.signUp, signUpBody(config), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    const { email } = await users.registerUser(core.ctx(undefined, req.log), req.body ?? {}, avatar);
    res.status(201).json({ success: true, message: `Please check your email (${email}) to activate your account` });
  });

  r.post('/activate-account', limit.verify, json, async (req, res) => {
    const { user: profile, token } = await users.activateUser(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.status(201).json({ success: true, user: profile, token });
  });

  r.post('/azure-authentication', limit.signIn, json, async (req, res) => {
    const { user: profile, token } = await users.signInWithAzure(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.status(200).json({ success: true, user: profile, token });
  });

  r.post('/login', limit.signIn, json, async (req, res) => {
    const { user: profile, token } = await users.loginUser(core.ctx(undefined, req.log), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.json({ success: true, user: profile, token });
  });

  r.get('/me', user, async (req, res) => {
    res.json({ success: true, user: await users.getUserProfile(requestCtx(core, req, res), accountId(res)) });
  });

  const signOut = logout(core, 'user');
  r.get('/logout', signOut);
  r.post('/logout', signOut);

  r.put('/update-info', user, json, async (req, res) => {
    res.json({ success: true, user: await users.updateUserInfo(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });

  r.put('/update-avatar', user, imageBody(config, 'avatar', 1), async (req, res) => {
    const avatar = await imageFromRequest(req, config, 'avatar');
    if (!avatar) throw new AppError('VALIDATION_FAILED', 'avatar is required', { fields: { avatar: 'is required' } });
    res.json({ success: true, user: await users.updateUserAvatar(requestCtx(core, req, res), accountId(res), avatar) });
  });

  r.post('/address', user, json, async (req, res) => {
    res.status(201).json({ success: true, user: await users.addAddress(requestCtx(core, req, res), accountId(res), req.body ?? {}) });
  });
  r.put('/address/:id', user, json, async (req, res) => {
    const profile = await users.updateAddress(requestCtx(core, req, res), accountId(res), req.params.id, req.body ?? {});
    res.json({ success: true, user: profile });
  });
  r.delete('/address/:id', user, async (req, res) => {
    res.json({ success: true, user: await users.deleteAddress(requestCtx(core, req, res), accountId(res), req.params.id) });
  });

  r.put('/change-password', user, json, async (req, res) => {
    const token = await changePassword(requestCtx(core, req, res), 'user', accountId(res), req.body ?? {});
    setSessionCookie(res, config, 'user', token);
    res.json({ success: true, message: 'Password changed; your other sessions were signed out' });
  });

  r.post('/forgot-password', limit.verify, json, async (req, res) => {
    await forgotPassword(core.ctx(undefined, req.log), 'user', req.body ?? {});
    res.json({ success: true, message: RESET_REQUESTED });
  });
  r.post('/reset-password', limit.verify, json, async (req, res) => {
    await resetPassword(core.ctx(undefined, req.log), 'user', req.body ?? {});
    clearSessionCookie(res, config, 'user');
    res.json({ success: true, message: 'Password updated, please sign in' });
  });

  r.get('/get-user/:id', async (req, res) => {
    res.json({ success: true, user: await users.getPublicUser(core.ctx(undefined, req.log), req.params.id) });
  });

  r.get('/admin/users', admin, async (req, res) => {
    res.json({ success: true, ...(await users.listUsers(requestCtx(core, req, res), req.query)) });
  });
  r.delete('/admin/delete-user/:id', admin, json, async (req, res) => {
    await users.deleteUser(requestCtx(core, req, res), req.params.id, (req.body as { reason?: unknown } | undefined)?.reason);
    res.json({ success: true, message: 'User deleted' });
  });

  return r;
}
