import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.ts';
import type { AccountKind } from '../db/schema/index.ts';
import { AppError } from '../shared/errors.ts';
import { TtlCache } from '../shared/ttl-cache.ts';

export interface SessionClaims {
  id: string;
  kind: AccountKind;
  /** Session version: a password change bumps the account's, and older tokens stop working. */
  sv: number;
}

export interface VerifiedSession extends SessionClaims {
  /** This session's own id (the JWT's `jti`): what logout ends. */
  sid: string;
  /** When the token stops working by itself. */
  expiresAt: Date;
}

const ISSUER = 'mvshop';

// jsonwebtoken first tries a string secret as a public key (createPublicKey throws, ~1 ms per
// call); a ready KeyObject skips that, so sessions verify in microseconds.
const keys = new Map<string, KeyObject>();
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}
const audience = (kind: AccountKind) => `mvshop:${kind}`;

/** A new session: its own random id, so it can be ended alone. */
export function signSession(config: Config, claims: SessionClaims): string {
  return jwt.sign({ sv: claims.sv }, keyFor(config.auth.jwtSecret), {
    algorithm: 'HS256',
    jwtid: randomBytes(16).toString('base64url'),
    subject: claims.id,
    audience: audience(claims.kind),
    issuer: ISSUER,
    expiresIn: config.auth.jwtExpiresSeconds,
  });
}

// A storefront sends several requests per page with one token; its verification (an HMAC and the
// claims' checks, about 4 % of the API's CPU in the checkout bench) is reused for SESSION_CACHE_MS.
// A cached token still stops at its expiry, checked on every hit.
const verifiedCaches = new WeakMap<Config, TtlCache<VerifiedSession>>();
function verifiedCache(config: Config): TtlCache<VerifiedSession> {
  let cache = verifiedCaches.get(config);
  if (!cache) verifiedCaches.set(config, (cache = new TtlCache(config.auth.sessionCacheMs, 10_000)));
  return cache;
}

/** Verifies signature (HS256 only), issuer, expiry and audience, so a seller token is never a user token. */
export function verifySession(config: Config, token: string, kind: AccountKind): VerifiedSession {
  const cache = verifiedCache(config);
  const key = `${kind} ${token}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt.getTime() > Date.now()) return hit;
  const verified = verifyToken(config, token, kind);
  cache.set(key, verified);
  return verified;
}

function verifyToken(config: Config, token: string, kind: AccountKind): VerifiedSession {
  try {
    const payload = jwt.verify(token, keyFor(config.auth.jwtSecret), {
      algorithms: ['HS256'],
      audience: audience(kind),
      issuer: ISSUER,
    });
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.sv !== 'number' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number')
      throw new Error('malformed claims');
    return { id: payload.sub, kind, sv: payload.sv, sid: payload.jti, expiresAt: new Date(payload.exp * 1000) };
  } catch (err) {
    const expired = err instanceof jwt.TokenExpiredError;
    throw new AppError(
      'UNAUTHENTICATED',
      expired ? 'Your session has expired, please sign in again' : 'Invalid session, please sign in again',
    );
  }
}
