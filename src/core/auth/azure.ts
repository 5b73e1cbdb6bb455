import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Config } from '../config.ts';
import { AppError } from '../shared/errors.ts';
import type { AzureIdentity, AzureTokenVerifier } from './azure-verifier.ts';

type AzureConfig = NonNullable<Config['azure']>;

/** Verifies Azure AD v2 ID tokens against the tenant's published keys (RS256 only). */
export function createAzureVerifier(cfg: AzureConfig): AzureTokenVerifier {
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
        const code = (err as { code?: string }).code ?? 'invalid';
        throw new AppError('UNAUTHENTICATED', `Azure sign-in failed: the ID token is not valid (${code})`);
      }
      const tid = payload.tid;
      const oid = payload.oid;
      if (typeof tid !== 'string' || typeof oid !== 'string' || tid !== cfg.tenantId)
        throw new AppError('UNAUTHENTICATED', 'Azure sign-in failed: the ID token is from another tenant');
      const email = [payload.email, payload.preferred_username].find((v): v is string => typeof v === 'string' && v.includes('@'));
      const identity: AzureIdentity = {
        tenantId: tid,
        objectId: oid,
        email: email?.toLowerCase(),
        name: typeof payload.name === 'string' ? payload.name : undefined,
      };
      return identity;
    },
  };
}
