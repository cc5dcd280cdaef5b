/**
 * A local stand-in for a Cognito user pool's token issuer, and the API Gateway HTTP API JWT authorizer
 * that checks its tokens.
 *
 * Authorizer rules follow "Control access to HTTP APIs with JWT authorizers" (API Gateway developer guide):
 * token from the identity source, raw or prefixed with `Bearer `; signature checked with the issuer's JWKS,
 * RSA-based algorithms only; `kid` must name a JWKS key; `iss` must equal the configured issuer; `aud` must
 * contain a configured audience, or `client_id` must when there is no `aud`; `exp` after now; `nbf` and `iat`
 * not after now. Scopes are not checked because no route configures any.
 */
import { KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import {
  base64url,
  compactVerify,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

/** Options for {@link LocalJwtIssuer.create}. */
export interface LocalJwtIssuerOptions {
  /** The `iss` claim, e.g. `http://127.0.0.1:4566/local_pool`; its pathname prefixes the well-known routes. */
  issuerUrl: string;
  /** The `aud` claim (a user pool app client id). */
  audience: string;
  /** The `kid` header and JWKS key id; random when omitted. */
  keyId?: string;
}

/** Options for {@link LocalJwtIssuer.issueToken}. */
export interface IssueTokenOptions {
  /** Lifetime from now; negative values give an already expired token. Default 3600. */
  expiresInSeconds?: number;
  /** Applied last, so they can override standard claims; a value of `undefined` drops that claim. */
  extraClaims?: Record<string, unknown>;
}

/** A JSON Web Key Set as served at `/.well-known/jwks.json`. */
export interface Jwks {
  keys: JWK[];
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/** Issues RS256 ID-token-like JWTs shaped like Cognito's, signed by a key pair that lives only in memory. */
export class LocalJwtIssuer {
  readonly issuerUrl: string;
  readonly audience: string;
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly #publicJwk: JWK;

  private constructor(options: Required<LocalJwtIssuerOptions>, privateKey: KeyObject, publicJwk: JWK) {
    this.issuerUrl = options.issuerUrl;
    this.audience = options.audience;
    this.keyId = options.keyId;
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
  }

  /** Generates a fresh RS256 key pair; tokens from a previous instance stop verifying, like a rotated pool. */
  static async create(options: LocalJwtIssuerOptions): Promise<LocalJwtIssuer> {
    // Fail at start-up rather than on the first discovery request.
    new URL(options.issuerUrl);
    const keyId = options.keyId ?? `sandbox-${randomBytes(8).toString('hex')}`;
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: keyId, alg: 'RS256', use: 'sig' };
    // A KeyObject signs synchronously, so the HTTP handler below need not be async.
    return new LocalJwtIssuer({ ...options, keyId }, KeyObject.from(privateKey), publicJwk);
  }

  /**
   * Signs an ID-token-like JWT for `subject`: header `{alg: 'RS256', kid, typ: 'JWT'}`, claims `sub`, `iss`,
   * `aud`, `token_use: 'id'`, `auth_time`, `iat`, `exp`, `cognito:username` and `jti`, then `extraClaims`.
   */
  async issueToken(subject: string, options: IssueTokenOptions = {}): Promise<string> {
    return this.issueTokenSync(subject, options);
  }

  /** The public JWKS (one key, with `kid`, `alg` and `use: 'sig'`). */
  jwks(): Jwks {
    return { keys: [{ ...this.#publicJwk }] };
  }

  /** @internal Synchronous core of {@link issueToken}, shared with {@link handleIssuerRequest}. */
  issueTokenSync(subject: string, options: IssueTokenOptions = {}): string {
    if (typeof subject !== 'string' || subject === '')
      throw new TypeError('subject must be a non-empty string');
    const expiresIn = options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
    if (!Number.isFinite(expiresIn)) throw new TypeError('expiresInSeconds must be a finite number');
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', kid: this.keyId, typ: 'JWT' };
    const claims = {
      sub: subject,
      iss: this.issuerUrl,
      aud: this.audience,
      token_use: 'id',
      auth_time: now,
      iat: now,
      exp: now + Math.trunc(expiresIn),
      'cognito:username': subject,
      jti: randomUUID(),
      ...options.extraClaims,
    };
    const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
    // RSA keys sign with RSASSA-PKCS1-v1_5 by default, which is what RS256 means.
    const signature = sign('sha256', Buffer.from(signingInput), this.#privateKey);
    return `${signingInput}.${base64url.encode(signature)}`;
  }
}

/** A token the JWT authorizer refuses; API Gateway answers such requests 401 `{"message":"Unauthorized"}`. */
export class JwtAuthorizerError extends Error {
  override readonly name = 'JwtAuthorizerError';

  /** @param reason short, log-safe reason (never contains the token). */
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The JWT authorizer's configuration (`JwtConfiguration` of an `AWS::ApiGatewayV2::Authorizer`). */
export interface JwtAuthorizerConfig {
  issuer: string;
  audiences: readonly string[];
  /** The issuer's key set, as fetched from its `jwks_uri`. */
  jwks: Jwks;
}

// The authorizer documents "only RSA-based algorithms"; that excludes `none`, HS* (secret-key) and ES*.
const RSA_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);

// No clock-skew leeway: AWS documents none, and the sandbox issuer and authorizer share one clock.
const CLOCK_SKEW_SECONDS = 0;

/**
 * Validates a JWT the way the API Gateway HTTP API JWT authorizer does and returns its claims.
 *
 * @param authorizationHeader the `Authorization` header: the token, or `Bearer <token>`.
 * @param config the authorizer's issuer, audiences and the issuer's JWKS.
 * @param nowSeconds the current time in epoch seconds (defaults to the clock).
 * @throws {JwtAuthorizerError} with a short reason when any check fails.
 */
export async function authorizeJwt(
  authorizationHeader: string | undefined,
  config: JwtAuthorizerConfig,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<Record<string, unknown>> {
  const token = extractToken(authorizationHeader);
  // A compact JWS has exactly three parts; five would be a JWE, which the authorizer cannot read.
  if (token.split('.').length !== 3) throw new JwtAuthorizerError('token is not a JWS');
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new JwtAuthorizerError('token header is not decodable');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !RSA_ALGORITHMS.has(alg)) throw new JwtAuthorizerError('unsupported alg');
  const jwk = selectKey(header.kid, alg, config.jwks);
  let payload: Uint8Array;
  try {
    const key = await importJWK(jwk, alg);
    ({ payload } = await compactVerify(token, key, { algorithms: [alg] }));
  } catch {
    throw new JwtAuthorizerError('signature is invalid');
  }
  const claims = parseClaims(payload);
  checkIssuer(claims, config.issuer);
  checkAudience(claims, config.audiences);
  checkTimes(claims, nowSeconds);
  return claims;
}

function extractToken(authorizationHeader: string | undefined): string {
  const value = authorizationHeader?.trim() ?? '';
  // The identity source may hold the token alone or prefixed with `Bearer `.
  const token = value.replace(/^Bearer(?:\s+|$)/i, '');
  if (token === '') throw new JwtAuthorizerError('missing token');
  return token;
}

function selectKey(kid: unknown, alg: string, jwks: Jwks): JWK {
  if (typeof kid !== 'string' || kid === '') throw new JwtAuthorizerError('token has no kid');
  const jwk = jwks.keys.find((candidate) => candidate.kid === kid);
  if (jwk === undefined) throw new JwtAuthorizerError('kid not in JWKS');
  // A key published for another algorithm or purpose must not verify this token.
  if (
    jwk.kty !== 'RSA' ||
    (jwk.alg !== undefined && jwk.alg !== alg) ||
    (jwk.use !== undefined && jwk.use !== 'sig')
  ) {
    throw new JwtAuthorizerError('JWKS key does not fit the token');
  }
  return jwk;
}

function parseClaims(payload: Uint8Array): Record<string, unknown> {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new JwtAuthorizerError('claims are not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new JwtAuthorizerError('claims are not a JSON object');
  }
  return claims as Record<string, unknown>;
}

function checkIssuer(claims: Record<string, unknown>, issuer: string): void {
  if (claims.iss !== issuer) throw new JwtAuthorizerError('issuer mismatch');
}

function checkAudience(claims: Record<string, unknown>, audiences: readonly string[]): void {
  // `client_id` counts only when `aud` is absent; a present but wrong `aud` fails even with a good client_id.
  if (claims.aud !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((value) => typeof value === 'string' && audiences.includes(value))) {
      throw new JwtAuthorizerError('audience mismatch');
    }
    return;
  }
  const clientId = claims.client_id;
  if (typeof clientId !== 'string' || !audiences.includes(clientId)) {
    throw new JwtAuthorizerError('client_id mismatch');
  }
}

function checkTimes(claims: Record<string, unknown>, now: number): void {
  // A token without `exp` would never expire, so it is refused.
  if (!isNumericDate(claims.exp)) throw new JwtAuthorizerError('exp missing or not a number');
  if (claims.exp + CLOCK_SKEW_SECONDS <= now) throw new JwtAuthorizerError('token expired');
  for (const name of ['nbf', 'iat'] as const) {
    const value = claims[name];
    if (value === undefined) continue;
    if (!isNumericDate(value)) throw new JwtAuthorizerError(`${name} is not a number`);
    if (value - CLOCK_SKEW_SECONDS > now) throw new JwtAuthorizerError(`${name} is in the future`);
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** What {@link handleIssuerRequest} answers; the caller serialises `body` as JSON. */
export interface IssuerResponse {
  status: number;
  body: unknown;
}

/** Driver ids become the token's `sub`; the pattern keeps them short, printable and path-safe. */
export const DRIVER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Serves the issuer's HTTP endpoints, or returns `undefined` for paths it does not own:
 * - `GET <issuer path>/.well-known/jwks.json`: the JWKS;
 * - `GET <issuer path>/.well-known/openid-configuration`: a minimal OIDC discovery document;
 * - `POST /token` with `{"driverId":"D-1"}`: `{ token }` (a sandbox shortcut for the Cognito sign-in flow).
 *
 * `path` may carry a query string, which is ignored. Wrong methods on served paths get 405.
 */
export function handleIssuerRequest(
  issuer: LocalJwtIssuer,
  method: string,
  path: string,
  body: string,
): IssuerResponse | undefined {
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
    return verb === 'POST' ? tokenResponse(issuer, body) : methodNotAllowed();
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

function tokenResponse(issuer: LocalJwtIssuer, body: string): IssuerResponse {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, body: { message: 'Request body must be JSON' } };
  }
  const driverId =
    typeof request === 'object' && request !== null
      ? (request as Record<string, unknown>).driverId
      : undefined;
  if (typeof driverId !== 'string' || !DRIVER_ID_PATTERN.test(driverId)) {
    return { status: 400, body: { message: 'driverId must match /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/' } };
  }
  return { status: 200, body: { token: issuer.issueTokenSync(driverId) } };
}

function methodNotAllowed(): IssuerResponse {
  return { status: 405, body: { message: 'Method Not Allowed' } };
}
