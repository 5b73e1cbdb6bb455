import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { AppError } from '../shared/errors.ts';
import type { AzureIdentity, AzureTokenVerifier } from './azure-verifier.ts';
import { emailSchema } from './passwords.ts';

type AzureConfig = NonNullable<Config['azure']>;

/** Verifies Azure AD v2 ID tokens against the tenant's published keys (RS256 only). */
export function createJoseAzureVerifier(cfg: AzureConfig): AzureTokenVerifier {
  const jwks = createRemoteJWKSet(new URL(cfg.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return {
    async verify(idToken) {
      let payload;
      try {
        ({ payload } = await jwtVerify(idToken, jwks, {
          algorithms: ['RS256'],
          issuer: cfg.issuer,
          audience: cfg.clientId,
          requiredClaims: ['exp', 'iat', 'tid', 'oid'],
          clockTolerance: 60,
        }));
      } catch (err) {
        throw verificationError(err);
      }
      const tid = payload.tid;
      const oid = payload.oid;
      if (typeof tid !== 'string' || typeof oid !== 'string' || tid !== cfg.tenantId)
        throw new AppError('UNAUTHENTICATED', 'Azure sign-in failed: the ID token is from another tenant');
      // Only used to fill a new profile; the account is found by tid + oid, never by these.
      const email = [payload.email, payload.preferred_username]
        .map((v) => emailSchema.safeParse(v))
        .find((r) => r.success)?.data;
      const name = typeof payload.name === 'string' ? payload.name.trim().slice(0, 100) : '';
      const identity: AzureIdentity = { tenantId: tid, objectId: oid, email, name: name || undefined };
      return identity;
    },
  };
}

const KEY_SOURCE_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * A token problem is the caller's (401, saying which check failed); failing to fetch the tenant's
 * keys is ours (502), so an Azure outage never reads as "your token is bad".
 */
function verificationError(err: unknown): AppError {
  const e = err as { code?: unknown; claim?: unknown; reason?: unknown };
  const code = typeof e?.code === 'string' && e.code.startsWith('ERR_J') ? e.code : undefined;
  if (!code || KEY_SOURCE_FAILURES.has(code))
    return new AppError('EXTERNAL_SERVICE', "Azure sign-in failed: could not fetch the tenant's signing keys, please retry");
  const fail = (why: string) => new AppError('UNAUTHENTICATED', `Azure sign-in failed: ${why}`);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return fail('the ID token has expired, please sign in again');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return fail('the ID token must be signed with RS256');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return fail("the ID token is not signed by the tenant's keys");
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = typeof e.claim === 'string' ? e.claim : 'a';
      if (e.reason === 'missing') return fail(`the ID token has no ${claim} claim`);
      if (claim === 'aud') return fail('the ID token was issued for another application (aud)');
      if (claim === 'iss') return fail('the ID token was issued by another tenant or authority (iss)');
      if (claim === 'nbf') return fail('the ID token is not valid yet (nbf)');
      return fail(`the ID token's ${claim} claim is not valid`);
    }
    default:
      return fail('the ID token is malformed or not valid');
  }
}
