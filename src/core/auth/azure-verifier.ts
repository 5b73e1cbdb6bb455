import type { Config } from '../config.ts';

/** The claims mvshop uses from a verified Azure AD (Entra ID) ID token. */
export interface AzureIdentity {
  tenantId: string;
  objectId: string;
  email?: string;
  name?: string;
}

/** Verifies an ID token's signature (tenant keys), issuer, audience and expiry; throws UNAUTHENTICATED otherwise. */
export interface AzureTokenVerifier {
  verify(idToken: string): Promise<AzureIdentity>;
}

/** The verifier, with jose and the tenant's key set loaded on the first sign-in. */
export function createAzureVerifier(cfg: NonNullable<Config['azure']>): AzureTokenVerifier {
  let loaded: Promise<AzureTokenVerifier> | undefined;
  const verifier = () => (loaded ??= import('./azure.ts').then((m) => m.createJoseAzureVerifier(cfg)));
  return { verify: async (idToken) => (await verifier()).verify(idToken) };
}
