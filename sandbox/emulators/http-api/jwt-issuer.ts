/**
 * A local stand-in for a Cognito user pool's token issuer (its HTTP endpoints are `issuer-endpoints.ts`,
 * the JWT authorizer checking its tokens `jwt-authorizer.ts`).
 *
 * The issuer signs Cognito-shaped access tokens (`token_use: access`, `client_id`, `scope`, `username`, no
 * `aud`) and ID tokens (`token_use: id`, `aud`, no scope); a pool's V2 pre-token-generation trigger may add or
 * suppress access-token scopes and claims, as Cognito applies it.
 */
import { KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { LocalPoolUsers } from './pool-users.ts';

/** The scope of an access token from Cognito's API sign-in (InitiateAuth), which authorizes self-service calls. */
const COGNITO_USER_ADMIN_SCOPE = 'aws.cognito.signin.user.admin';

/** Sign-in subjects become the token's `sub`; the pattern keeps them short, printable and path-safe. */
export const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

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

/** Who a JWT authorizer checks tokens against: an issuer URL and its public keys. */
export interface TokenIssuer {
  readonly issuerUrl: string;
  jwks(): Jwks;
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/** Issues RS256 ID and access tokens shaped like Cognito's, signed by a key pair that lives only in memory. */
export class LocalJwtIssuer {
  readonly issuerUrl: string;
  readonly audience: string;
  readonly keyId: string;
  readonly signInSubject: SignInSubject;
  /** The pool's users, made on first sign-in. */
  readonly users: LocalPoolUsers;
  readonly #privateKey: KeyObject;
  readonly #publicJwk: JWK;
  readonly #options: LocalJwtIssuerOptions;

  private constructor(
    options: LocalJwtIssuerOptions & { keyId: string },
    privateKey: KeyObject,
    publicJwk: JWK,
  ) {
    this.issuerUrl = options.issuerUrl;
    this.audience = options.audience;
    this.keyId = options.keyId;
    this.signInSubject = options.signInSubject ?? DEFAULT_SIGN_IN_SUBJECT;
    this.users = new LocalPoolUsers(this.signInSubject.attribute);
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
    this.#options = options;
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
    const hook = this.#options.preTokenGeneration;
    const user = this.users.userFor(subject);
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

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}
