import type { CookieOptions, RequestHandler, Response, Request } from 'express';
import { AppError, isAppError, type Actor, type Config, type Ctx } from '../core/index.ts';
import { authenticateSession, endSession, type AccountRow } from '../core/auth/index.ts';
import type { Core } from '../core/index.ts';

export type SessionKind = 'user' | 'shop';
export const cookieNames: Record<SessionKind, string> = { user: 'token', shop: 'seller_token' };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      account?: AccountRow;
      actor?: Actor;
      /** Every identity a request presented (routes guarded by requireUserOrSeller). */
      actors?: Actor[];
    }
  }
}

function cookieOptions(config: Config): CookieOptions {
  return {
    httpOnly: true,
    secure: config.http.cookieSecure,
    sameSite: config.http.cookieSameSite,
    path: '/',
  };
}

export function setSessionCookie(res: Response, config: Config, kind: SessionKind, token: string): void {
  res.cookie(cookieNames[kind], token, { ...cookieOptions(config), maxAge: config.auth.jwtExpiresSeconds * 1000 });
}

/** Cleared with the same attributes it was set with, or browsers keep it. */
export function clearSessionCookie(res: Response, config: Config, kind: SessionKind): void {
  res.clearCookie(cookieNames[kind], cookieOptions(config));
}

/** The session token of `kind` a request carries: its cookie, else a Bearer token. */
export function readToken(req: Request, kind: SessionKind): string | undefined {
  const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.[cookieNames[kind]];
  if (cookie) return cookie;
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  return undefined;
}

/** GET·POST logout: ends the session presented (when its token verifies) and clears its cookie. */
export function logout(core: Core, kind: SessionKind): RequestHandler {
  return async (req, res) => {
    await endSession(core.ctx(undefined, req.log), kind, readToken(req, kind));
    clearSessionCookie(res, core.config, kind);
    res.json({ success: true, message: 'Logged out' });
  };
}

/** Resolves the session of `kind`; the audience check inside means a seller token is never a user token. */
function guard(core: Core, kind: SessionKind, adminOnly = false): RequestHandler {
  return async (req, res, next) => {
    const token = readToken(req, kind);
    if (!token)
      throw new AppError('UNAUTHENTICATED', kind === 'shop' ? 'Please sign in to your shop first' : 'Please sign in first');
    const ctx = core.ctx(undefined, req.log);
    const account = await authenticateSession(ctx, kind, token);
    let actor: Actor;
    if (kind === 'user') {
      const role = account.role ?? 'User';
      if (adminOnly && role !== 'Admin') throw new AppError('FORBIDDEN', 'Admins only');
      actor = { kind: 'user', id: account.id, role };
    } else {
      actor = { kind: 'shop', id: account.id };
    }
    res.locals.account = account;
    res.locals.actor = actor;
    next();
  };
}

export const requireUser = (core: Core) => guard(core, 'user');
export const requireSeller = (core: Core) => guard(core, 'shop');
export const requireAdmin = (core: Core) => guard(core, 'user', true);

/** The signed-in account's id; only called behind a guard. */
export function accountId(res: Response): string {
  const account = res.locals.account;
  if (!account) throw new AppError('UNAUTHENTICATED', 'Please sign in first');
  return account.id;
}

/** The context for a guarded request: the actor comes from the session, never from the body. */
export function requestCtx(core: Core, req: Request, res: Response) {
  return core.ctx(res.locals.actor ?? { kind: 'anonymous' }, req.log);
}

/**
 * For routes both sides use (an order's detail, completing a refund): resolves every valid session
 * presented (a seller who also shops may hold both cookies; a Bearer token is tried as either).
 * The route then acts with the first identity the use case accepts (`withAnySession`).
 */
export function requireUserOrSeller(core: Core): RequestHandler {
  return async (req, res, next) => {
    const ctx = core.ctx(undefined, req.log);
    const actors: Actor[] = [];
    let firstError: unknown;
    for (const kind of ['user', 'shop'] as const) {
      const token = readToken(req, kind);
      if (!token) continue;
      try {
        const account = await authenticateSession(ctx, kind, token);
        actors.push(kind === 'user' ? { kind: 'user', id: account.id, role: account.role ?? 'User' } : { kind: 'shop', id: account.id });
      } catch (err) {
        firstError ??= err;
      }
    }
    if (actors.length === 0) throw firstError ?? new AppError('UNAUTHENTICATED', 'Please sign in first');
    res.locals.actors = actors;
    res.locals.actor = actors[0];
    next();
  };
}

/** Runs `fn` as each resolved identity in turn until one is allowed (not 403/404 for it). */
export async function withAnySession<T>(core: Core, req: Request, res: Response, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  let refusal: unknown;
  for (const actor of res.locals.actors ?? []) {
    try {
      return await fn(core.ctx(actor, req.log));
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'NOT_FOUND' && err.code !== 'FORBIDDEN')) throw err;
      refusal ??= err;
    }
  }
  throw refusal ?? new AppError('UNAUTHENTICATED', 'Please sign in first');
}

/**
 * For public routes that show more to the owner or an admin: resolves a seller or user session
 * when one is presented and valid; otherwise the viewer is simply anonymous (never a 401).
 */
export function optionalViewer(core: Core): RequestHandler {
  return async (req, res, next) => {
    const ctx = core.ctx(undefined, req.log);
    const sellerToken = readToken(req, 'shop');
    const seller = sellerToken ? await authenticateSession(ctx, 'shop', sellerToken).catch(() => undefined) : undefined;
    if (seller) res.locals.actor = { kind: 'shop', id: seller.id };
    else {
      const userToken = readToken(req, 'user');
      const user = userToken ? await authenticateSession(ctx, 'user', userToken).catch(() => undefined) : undefined;
      if (user) res.locals.actor = { kind: 'user', id: user.id, role: user.role ?? 'User' };
    }
    next();
  };
}
