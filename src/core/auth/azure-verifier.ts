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
