/**
 * The API Gateway HTTP API JWT authorizer, checking tokens as "Control access to HTTP APIs with JWT
 * authorizers" (API Gateway developer guide) describes: token from the identity source, raw or prefixed
 * with `Bearer `; signature checked with the issuer's JWKS, RSA-based algorithms only; `kid` must name a
 * JWKS key; `iss` must equal the configured issuer; `aud` must contain a configured audience, or
 * `client_id` must when there is no `aud`; `exp` after now; `nbf` and `iat` not after now; when the route
 * has `AuthorizationScopes`, the token's `scope` (or `scp`) claim must hold at least one of them, else 403.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { Jwks } from './jwt-issuer.ts';

/**
 * A token the JWT authorizer refuses; API Gateway answers 401 `{"message":"Unauthorized"}` for a missing or
 * invalid token and 403 `{"message":"Forbidden"}` for a valid one without the route's scopes.
 */
export class JwtAuthorizerError extends Error {
  override readonly name = 'JwtAuthorizerError';

  /**
   * @param reason short, log-safe reason (never contains the token).
   * @param options `status`: 401 for an invalid token (the default), 403 for missing scopes; `cause`: what failed.
   */
  constructor(
    readonly reason: string,
    options: { readonly status?: 401 | 403; readonly cause?: unknown } = {},
  ) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? 401;
  }

  /** 401 for an invalid token, 403 for a valid one without the route's scopes. */
  readonly status: 401 | 403;
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
  } catch (error) {
    throw new JwtAuthorizerError('token header is not decodable', { cause: error });
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !RSA_ALGORITHMS.has(alg)) throw new JwtAuthorizerError('unsupported alg');
  const jwk = selectKey(header.kid, alg, config.jwks);
  let payload: Uint8Array;
  try {
    const key = await importJWK(jwk, alg);
    ({ payload } = await compactVerify(token, key, { algorithms: [alg] }));
  } catch (error) {
    throw new JwtAuthorizerError('signature is invalid', { cause: error });
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
    throw new JwtAuthorizerError('token lacks the route scopes', { status: 403 });
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
  } catch (error) {
    throw new JwtAuthorizerError('claims are not JSON', { cause: error });
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
