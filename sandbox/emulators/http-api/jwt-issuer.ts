/**
 * A local stand-in for a Cognito user pool's token issuer, and the API Gateway HTTP API JWT authorizer
 * that checks its tokens.
 *
 * Authorizer rules follow "Control access to HTTP APIs with JWT authorizers" (API Gateway developer guide):
 * token from the identity source, raw or prefixed with `Bearer `; signature checked with the issuer's JWKS,
 * RSA-based algorithms only; `kid` must name a JWKS key; `iss` must equal the configured issuer; `aud` must
 * contain a configured audience, or `client_id` must when there is no `aud`; `exp` after now; `nbf` and `iat`
 * not after now; when the route has `AuthorizationScopes`, the token's `scope` (or `scp`) claim must hold at
 * least one of them, else 403 (a valid token without the scope is forbidden, not unauthenticated).
 *
 * The issuer signs Cognito-shaped access tokens (`token_use: access`, `client_id`, `scope`, `username`, no
 * `aud`) and ID tokens (`token_use: id`, `aud`, no scope); a pool's V2 pre-token-generation trigger may add or
 * suppress access-token scopes and claims, as Cognito applies it.
 */
import { KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import {
  base64url,
  compactVerify,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { LocalPoolUsers } from './pool-users.ts';

/** Options for {@link LocalJwtIssuer.create}. */
export interface LocalJwtIssuerOptions {
  /** The `iss` claim, e.g. `http://127.0.0.1:4566/local_pool`; its pathname prefixes the well-known routes. */
  issuerUrl: string;
  /** The `aud` claim (a user pool app client id). */
  audience: string;
  /** The `kid` header and JWKS key id; random when omitted. */
  keyId?: string;
  /**
   * The pool's pre-token-generation trigger (event version V2_0): called with the V2 event for every token
   * the `/token` endpoint issues; its `response.claimsAndScopeOverrideDetails` is applied as Cognito does.
   */
  preTokenGeneration?: PreTokenGenerationHook;
  /** `userPoolId` in the trigger event. */
  userPoolId?: string;
  /** `region` in the trigger event. */
  region?: string;
  /** Who signs in without a password (the `/token` shortcut, the managed-login page); {@link DEFAULT_SIGN_IN_SUBJECT} when omitted. */
  signInSubject?: SignInSubject;
}

/**
 * How the sandbox's password-less sign-in names the person signing in: the value is the user's username,
 * and its `sub` unless {@link SignInSubject.attribute} is given.
 */
export interface SignInSubject {
  /** The JSON field of `POST /token` and the form field of the sign-in page, e.g. `username`. */
  readonly field: string;
  /** The sign-in page's label for it, e.g. `Username`. */
  readonly label: string;
  /** The value the sign-in page suggests. */
  readonly example: string;
  /**
   * The user attribute the value is stored in (e.g. `custom:employee_id`); the user then gets a generated
   * `sub`, as a Cognito user does (`pool-users.ts`).
   */
  readonly attribute?: string;
}

/** The sign-in subject of an issuer created without one. */
export const DEFAULT_SIGN_IN_SUBJECT: SignInSubject = {
  field: 'username',
  label: 'Username',
  example: 'user-1',
};

/** Invokes a V2 pre-token-generation trigger with `event` and resolves to what it returned. */
export type PreTokenGenerationHook = (event: PreTokenGenerationV2TriggerEvent) => Promise<unknown>;

/** Options for {@link LocalJwtIssuer.issueToken} and {@link LocalJwtIssuer.issueAccessToken}. */
export interface IssueTokenOptions {
  /** Lifetime from now; negative values give an already expired token. Default 3600. */
  expiresInSeconds?: number;
  /** Applied last, so they can override standard claims; a value of `undefined` drops that claim. */
  extraClaims?: Record<string, unknown>;
}

/** Options for {@link LocalJwtIssuer.signInTokens}. */
export interface SignInOptions {
  /** The app client signing in; the issuer's audience (the first client) when omitted. */
  clientId?: string;
  /** The scopes the sign-in grants before the trigger runs; `aws.cognito.signin.user.admin` when omitted. */
  scopes?: readonly string[];
  /** What the trigger is told caused the sign-in. */
  triggerSource?: PreTokenGenerationV2TriggerEvent['triggerSource'];
  expiresInSeconds?: number;
  /** Claims Cognito sets itself (a trigger cannot change them): `auth_time`, `nonce`. */
  idTokenClaims?: Record<string, unknown>;
  accessTokenClaims?: Record<string, unknown>;
}

/** A JSON Web Key Set as served at `/.well-known/jwks.json`. */
export interface Jwks {
  keys: JWK[];
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/** Issues RS256 ID and access tokens shaped like Cognito's, signed by a key pair that lives only in memory. */
export class LocalJwtIssuer {
  readonly issuerUrl: string;
  readonly audience: string;
  readonly keyId: string;
  readonly signInSubject: SignInSubject;
  readonly #privateKey: KeyObject;
  readonly #publicJwk: JWK;
  readonly #options: LocalJwtIssuerOptions;
  /** The pool's users, made on first sign-in. */
  readonly users: LocalPoolUsers;

  private constructor(
    options: LocalJwtIssuerOptions & { keyId: string },
    privateKey: KeyObject,
    publicJwk: JWK,
  ) {
    this.issuerUrl = options.issuerUrl;
    this.audience = options.audience;
    this.keyId = options.keyId;
    this.signInSubject = options.signInSubject ?? DEFAULT_SIGN_IN_SUBJECT;
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
    this.#options = options;
    this.users = new LocalPoolUsers(this.signInSubject.attribute);
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

  /**
   * Signs a Cognito-shaped access token for `subject`: claims `sub`, `iss`, `client_id` (the audience),
   * `token_use: 'access'`, `scope` (space-separated `scopes`), `auth_time`, `iat`, `exp`, `username`, `jti`,
   * `origin_jti`, `event_id`, `version: 2`, no `aud`; then `extraClaims`.
   * @param scopes what Cognito's API sign-in gives is `aws.cognito.signin.user.admin` alone.
   */
  issueAccessToken(
    subject: string,
    scopes: readonly string[] = [COGNITO_USER_ADMIN_SCOPE],
    options: IssueTokenOptions = {},
  ): string {
    return this.issueTokenSync(subject, {
      ...options,
      extraClaims: {
        aud: undefined,
        'cognito:username': undefined,
        client_id: this.audience,
        token_use: 'access',
        scope: scopes.join(' '),
        username: subject,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        version: 2,
        ...options.extraClaims,
      },
    });
  }

  /**
   * What the `/token` endpoint issues: an access token (scope `aws.cognito.signin.user.admin`) or an ID token,
   * each passed through the pool's pre-token-generation trigger when there is one, as a Cognito sign-in is.
   */
  async signIn(subject: string, tokenUse: 'access' | 'id'): Promise<string> {
    const { accessToken, idToken } = await this.signInTokens(subject);
    return tokenUse === 'access' ? accessToken : idToken;
  }

  /**
   * Both tokens of one sign-in (or refresh) of `subject` through `options.clientId`, as Cognito issues them:
   * the pool's pre-token-generation trigger runs once, with the requested scopes, and its changes apply.
   */
  async signInTokens(
    subject: string,
    options: SignInOptions = {},
  ): Promise<{ accessToken: string; idToken: string }> {
    const clientId = options.clientId ?? this.audience;
    const scopes = options.scopes ?? [COGNITO_USER_ADMIN_SCOPE];
    const user = this.users.userFor(subject);
    const hook = this.#options.preTokenGeneration;
    let overrides: PreTokenGenerationV2TriggerEvent['response']['claimsAndScopeOverrideDetails'] = {};
    if (hook) {
      const event: PreTokenGenerationV2TriggerEvent = {
        version: '2',
        triggerSource: options.triggerSource ?? 'TokenGeneration_Authentication',
        region: this.#options.region ?? 'us-east-1',
        userPoolId: this.#options.userPoolId ?? 'local_pool',
        userName: subject,
        callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId },
        request: {
          userAttributes: { sub: user.sub, 'cognito:user_status': 'CONFIRMED', ...user.attributes },
          groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
          scopes: [...scopes],
        },
        response: { claimsAndScopeOverrideDetails: {} },
      };
      const result = (await hook(event)) as Partial<PreTokenGenerationV2TriggerEvent> | null | undefined;
      overrides = result?.response?.claimsAndScopeOverrideDetails ?? {};
    }
    const id = overrides?.idTokenGeneration ?? {};
    const access = overrides?.accessTokenGeneration ?? {};
    const suppressed = new Set(access.scopesToSuppress ?? []);
    const granted = [...new Set([...scopes, ...(access.scopesToAdd ?? [])])].filter(
      (s) => !suppressed.has(s),
    );
    const expiry =
      options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds };
    return {
      // The ID token carries the user's attributes, as Cognito's does; the access token only what a trigger adds.
      idToken: this.issueTokenSync(user.sub, {
        ...expiry,
        extraClaims: {
          aud: clientId,
          'cognito:username': subject,
          ...user.attributes,
          ...options.idTokenClaims,
          ...claimChanges(id),
        },
      }),
      accessToken: this.issueAccessToken(user.sub, granted, {
        ...expiry,
        extraClaims: {
          client_id: clientId,
          username: subject,
          ...options.accessTokenClaims,
          ...claimChanges(access),
        },
      }),
    };
  }

  /** The public JWKS (one key, with `kid`, `alg` and `use: 'sig'`). */
  jwks(): Jwks {
    return { keys: [{ ...this.#publicJwk }] };
  }

  /** Signs `token`'s claims again with `overrides` applied (`null` removes a claim); for tests only. */
  resign(token: string, overrides: Record<string, unknown>): string {
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1] ?? '')));
    const changed = Object.fromEntries(
      Object.entries(overrides).map(([name, value]) => [name, value === null ? undefined : value]),
    );
    return this.sign({ ...claims, ...changed });
  }

  /** @internal Synchronous core of {@link issueToken}, shared with {@link handleIssuerRequest}. */
  issueTokenSync(subject: string, options: IssueTokenOptions = {}): string {
    if (typeof subject !== 'string' || subject === '')
      throw new TypeError('subject must be a non-empty string');
    const expiresIn = options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
    if (!Number.isFinite(expiresIn)) throw new TypeError('expiresInSeconds must be a finite number');
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
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
    return this.sign(claims);
  }

  private sign(claims: Record<string, unknown>): string {
    const header = { alg: 'RS256', kid: this.keyId, typ: 'JWT' };
    // JSON.stringify drops `undefined` values, so an override of `undefined` removes the claim.
    const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
    // RSA keys sign with RSASSA-PKCS1-v1_5 by default, which is what RS256 means.
    const signature = sign('sha256', Buffer.from(signingInput), this.#privateKey);
    return `${signingInput}.${base64url.encode(signature)}`;
  }
}

// Claims a pre-token-generation trigger cannot add, override or suppress (Cognito keeps its own values).
const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'acr',
  'amr',
  'aud',
  'auth_time',
  'azp',
  'client_id',
  'cognito:username',
  'event_id',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'scope',
  'sub',
  'token_use',
  'username',
  'version',
]);

/** A trigger's claim additions and suppressions for one token, minus the reserved claims. */
function claimChanges(details: {
  claimsToAddOrOverride?: Record<string, unknown>;
  claimsToSuppress?: string[];
}): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(details.claimsToAddOrOverride ?? {})) {
    if (!RESERVED_CLAIMS.has(name)) changes[name] = value;
  }
  for (const name of details.claimsToSuppress ?? []) {
    if (!RESERVED_CLAIMS.has(name)) changes[name] = undefined;
  }
  return changes;
}

/**
 * A token the JWT authorizer refuses; API Gateway answers 401 `{"message":"Unauthorized"}` for a missing or
 * invalid token and 403 `{"message":"Forbidden"}` for a valid one without the route's scopes.
 */
export class JwtAuthorizerError extends Error {
  override readonly name = 'JwtAuthorizerError';

  /**
   * @param reason short, log-safe reason (never contains the token).
   * @param status 401 for an invalid token, 403 for missing scopes.
   */
  constructor(
    readonly reason: string,
    readonly status: 401 | 403 = 401,
  ) {
    super(reason);
  }
}

/** The JWT authorizer's configuration (`JwtConfiguration` of an `AWS::ApiGatewayV2::Authorizer`). */
export interface JwtAuthorizerConfig {
  issuer: string;
  audiences: readonly string[];
  /** The issuer's key set, as fetched from its `jwks_uri`. */
  jwks: Jwks;
  /** The route's `AuthorizationScopes`: the token needs at least one; none configured means no scope check. */
  scopes?: readonly string[];
}

/** The scope of an access token from Cognito's API sign-in (InitiateAuth), which authorizes self-service calls. */
const COGNITO_USER_ADMIN_SCOPE = 'aws.cognito.signin.user.admin';

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
  checkScopes(claims, config.scopes ?? []);
  return claims;
}

/** The scopes a token carries: its `scope` claim (space-separated), else `scp` (a string or an array). */
export function tokenScopes(claims: Record<string, unknown>): string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

function checkScopes(claims: Record<string, unknown>, required: readonly string[]): void {
  if (required.length === 0) return;
  const held = tokenScopes(claims);
  if (!required.some((scope) => held.includes(scope))) {
    throw new JwtAuthorizerError('token lacks the route scopes', 403);
  }
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

/** Sign-in subjects become the token's `sub`; the pattern keeps them short, printable and path-safe. */
export const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

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
