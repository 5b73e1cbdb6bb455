import { Router } from 'express';
import { AppError, type Actor, type Core } from '../../core/index.ts';
import { authenticateSession } from '../../core/auth/index.ts';
import { parseEventId } from '../live/bus.ts';
import type { StreamHub } from '../live/index.ts';
import { readToken, requireUserOrSeller } from '../session.ts';

const kindAsked: Record<string, 'user' | 'shop'> = { user: 'user', seller: 'shop', shop: 'shop' };
type SessionActor = Extract<Actor, { kind: 'user' | 'shop' }>;

/**
 * `GET /stream`: Server-Sent Events for one signed-in account, a buyer or a shop (`?as=seller` picks
 * the shop when a request carries both sessions). `Last-Event-ID` (or `?lastEventId=`, for a first
 * connection) resumes after that event.
 */
export function streamRoutes(core: Core, hub: StreamHub): Router {
  const r = Router();
  r.get('/', requireUserOrSeller(core), async (req, res) => {
    const asked = typeof req.query.as === 'string' ? kindAsked[req.query.as] : undefined;
    if (req.query.as !== undefined && !asked)
      throw new AppError('VALIDATION_FAILED', 'as must be user or seller', { fields: { as: 'must be user or seller' } });
    const actor = (res.locals.actors ?? []).find((a): a is SessionActor => (a.kind === 'user' || a.kind === 'shop') && (!asked || a.kind === asked));
    if (!actor) throw new AppError('UNAUTHENTICATED', asked === 'shop' ? 'Please sign in to your shop first' : 'Please sign in first');
    const { kind, id } = actor;
    const token = readToken(req, kind)!;
    await hub.open(req, res, {
      account: id,
      lastEventId: parseEventId(req.headers['last-event-id'] ?? req.query.lastEventId),
      checkSession: () => authenticateSession(core.ctx(), kind, token),
    });
  });
  return r;
}
