import { type LocalJwtIssuer, SUBJECT_PATTERN } from './jwt-issuer.ts';

/** What {@link handleIssuerRequest} answers; the caller serialises `body` as JSON. */
export interface IssuerResponse {
  status: number;
  body: unknown;
}

/**
 * Serves the issuer's HTTP endpoints, or resolves to `undefined` for paths it does not own:
 * - `GET <issuer path>/.well-known/jwks.json`: the JWKS;
 * - `GET <issuer path>/.well-known/openid-configuration`: a minimal OIDC discovery document;
 * - `POST /token` with `{"<subject field>":"user-1"}` (the issuer's {@link SignInSubject}): `{ token }`, that
 *   user's access token as a Cognito sign-in gives
 *   it (a sandbox shortcut for the SRP and MFA flow); `"tokenUse":"id"` gives the ID token instead, and
 *   `"claims":{...}` overrides claims after signing-in (a test's stand-in for a misconfigured pool).
 *
 * `path` may carry a query string, which is ignored. Wrong methods on served paths get 405.
 */
export async function handleIssuerRequest(
  issuer: LocalJwtIssuer,
  method: string,
  path: string,
  body: string,
): Promise<IssuerResponse | undefined> {
  const pathname = path.split('?', 1)[0] ?? '';
  const base = issuerBasePath(issuer.issuerUrl);
  const verb = method.toUpperCase();
  if (pathname === `${base}/.well-known/jwks.json`) {
    return verb === 'GET' ? { status: 200, body: issuer.jwks() } : methodNotAllowed();
  }
  if (pathname === `${base}/.well-known/openid-configuration`) {
    return verb === 'GET' ? { status: 200, body: discoveryDocument(issuer) } : methodNotAllowed();
  }
  if (pathname === '/token') {
    return verb === 'POST' ? await tokenResponse(issuer, body) : methodNotAllowed();
  }
  return undefined;
}

function issuerBasePath(issuerUrl: string): string {
  // `http://host/pool/` and `http://host/pool` serve the same routes; a bare host serves them at the root.
  return new URL(issuerUrl).pathname.replace(/\/+$/, '');
}

function discoveryDocument(issuer: LocalJwtIssuer): Record<string, unknown> {
  return {
    issuer: issuer.issuerUrl,
    jwks_uri: `${issuer.issuerUrl.replace(/\/+$/, '')}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ['RS256'],
    // OpenID Connect Discovery marks these two as required.
    subject_types_supported: ['public'],
    response_types_supported: ['id_token'],
  };
}

async function tokenResponse(issuer: LocalJwtIssuer, body: string): Promise<IssuerResponse> {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, body: { message: 'Request body must be JSON' } };
  }
  const fields: Record<string, unknown> =
    typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  const { field } = issuer.signInSubject;
  const { [field]: subject, tokenUse = 'access', claims } = fields;
  if (typeof subject !== 'string' || !SUBJECT_PATTERN.test(subject)) {
    return { status: 400, body: { message: `${field} must match /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/` } };
  }
  if (tokenUse !== 'access' && tokenUse !== 'id') {
    return { status: 400, body: { message: 'tokenUse must be "access" or "id"' } };
  }
  if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims))) {
    return { status: 400, body: { message: 'claims must be a JSON object' } };
  }
  const token = await issuer.signIn(subject, tokenUse);
  if (claims === undefined) return { status: 200, body: { token } };
  return { status: 200, body: { token: issuer.resign(token, claims as Record<string, unknown>) } };
}

function methodNotAllowed(): IssuerResponse {
  return { status: 405, body: { message: 'Method Not Allowed' } };
}
