import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface IdTokenOptions {
  /** `tenant` (default): the key the JWKS publishes. `stranger`: a key it does not, under the same kid. */
  key?: 'tenant' | 'stranger';
  /** `RS256` (default), `HS256` (keyed with the tenant's public JWK: the classic algorithm-confusion attack) or `none`. */
  alg?: 'RS256' | 'HS256' | 'none';
  /** Seconds from now; negative for an expired token. Default one hour. */
  expiresIn?: number;
}

export interface FakeAzure {
  tenantId: string;
  clientId: string;
  issuer: string;
  jwksUrl: string;
  /** AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_JWKS_URL for the app. */
  env: Record<string, string>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /**
   * An Azure AD v2 ID token for `claims.oid` (a fresh object id unless given). Claims set to
   * `undefined` are left out.
   */
  idToken(claims?: Record<string, unknown>, opts?: IdTokenOptions): Promise<string>;
  close(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Stands in for the Entra ID tenant: an RSA key pair whose public half is served as a JWKS on a local
 * port, and ID tokens signed with it (issuer, audience, tid, oid, email, name, iat/exp as Azure sends them).
 */
export async function startFakeAzure(): Promise<FakeAzure> {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const issuer = `https://login.microsoftonline.com/${tenantId}/v2.0`;
  const kid = `kid-${randomUUID().slice(0, 8)}`;
  const tenant = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(tenant.publicKey)), kid, use: 'sig', alg: 'RS256' };
  let fetches = 0;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/${tenantId}/discovery/v2.0/keys`) {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${tenantId}/discovery/v2.0/keys`;

  async function idToken(over: Record<string, unknown> = {}, opts: IdTokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const oid = (over.oid as string | undefined) ?? randomUUID();
    const claims: Record<string, unknown> = {
      ver: '2.0',
      iss: issuer,
      aud: clientId,
      tid: tenantId,
      oid,
      sub: `sub-${oid}`,
      email: `${oid.slice(0, 8)}@contoso.example`,
      preferred_username: `${oid.slice(0, 8)}@contoso.example`,
      name: 'Azure User',
      iat: now,
      nbf: now,
      exp: now + (opts.expiresIn ?? 3600),
      ...over,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];

    const alg = opts.alg ?? 'RS256';
    if (alg === 'none') return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const jwt = new SignJWT(claims as JWTPayload);
    if (alg === 'HS256')
      return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const key: CryptoKey = opts.key === 'stranger' ? stranger.privateKey : tenant.privateKey;
    return jwt.setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
  }

  return {
    tenantId,
    clientId,
    issuer,
    jwksUrl,
    env: { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId, AZURE_JWKS_URL: jwksUrl },
    jwksFetches: () => fetches,
    idToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
