/**
 * A local generic OpenID Connect provider (what Entra ID, Okta or Keycloak are to an application), for
 * public clients with the authorization code grant and PKCE (`authorization-server.ts`): discovery at
 * `<issuer>/.well-known/openid-configuration`, keys at `<issuer>/jwks`, `authorize`, `token`, `revoke` and
 * an RP-initiated `end_session_endpoint` (`post_logout_redirect_uri` registered for the client named by
 * `client_id` or `id_token_hint`). Its RS256 access tokens (`typ: at+jwt`, RFC 9068) carry `iss`, a
 * generated `sub`, the configured `aud`, `scope`, `azp`, the times and the user's claims (the sign-in name
 * in the claim the sign-in subject names); ID tokens `aud` = the client, `nonce`, `preferred_username`.
 * No Cognito claim (`token_use`, `client_id`, `cognito:*`) appears in either.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  type AuthorizationClient,
  LocalAuthorizationServer,
  type TokenGrant,
} from './authorization-server.ts';
import { type Jwks, type SignInSubject, SUBJECT_PATTERN } from './jwt-issuer.ts';
import { sendJson } from './login-pages.ts';
import { LocalPoolUsers } from './pool-users.ts';

/** How a local OIDC provider is set up: what an application's owner configures at their provider. */
export interface OidcProviderOptions {
  /** The issuer URL (`iss`); every endpoint hangs off it. */
  readonly issuerUrl: string;
  /** The `aud` of its access tokens (the API's audience). */
  readonly audience: string;
  /** Its registered public clients. */
  readonly clients: readonly AuthorizationClient[];
  /** Who signs in; the name goes into the claim {@link SignInSubject.attribute} (`sub` is generated). */
  readonly signInSubject: SignInSubject;
  /** The scopes of the sandbox's direct token (`POST <issuer>/_sandbox/token`). */
  readonly directTokenScopes: readonly string[];
}

/** The provider's signing key, as jose generates it. */
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** How long the provider remembers a sign-in. */
const SESSION_SECONDS = 8 * 3600;

/** A generic OpenID Connect provider on one issuer URL. */
export class LocalOidcProvider extends LocalAuthorizationServer {
  readonly issuerUrl: string;
  /** Its users, made on first sign-in, each with a generated `sub`. */
  readonly users: LocalPoolUsers;
  readonly #options: OidcProviderOptions;
  readonly #keyId = `oidc-${randomUUID()}`;
  readonly #privateKey: PrivateKey;
  readonly #publicJwk: JWK;
  readonly #issuerPath: string;

  private constructor(options: OidcProviderOptions, privateKey: PrivateKey, publicJwk: JWK) {
    const issuerUrl = options.issuerUrl.replace(/\/+$/, '');
    super({
      baseUrl: issuerUrl,
      clients: options.clients,
      signInSubject: options.signInSubject,
      paths: { authorize: '/authorize', token: '/token', revoke: '/revoke', endSession: '/logout' },
      issueTokens: (grant) => this.#grantTokens(grant),
      endSession: (params, clients) => {
        const hint = params.get('id_token_hint');
        const clientId = params.get('client_id') ?? (hint ? audienceOf(hint) : '');
        const returnTo = params.get('post_logout_redirect_uri') ?? '';
        if (!clients.get(clientId)?.logoutUrls.includes(returnTo))
          return { error: 'The client or its post-logout redirect URI is not registered.' };
        const state = params.get('state');
        return { returnTo: state === null ? returnTo : withQuery(returnTo, { state }) };
      },
      pageNote:
        "Sandbox only: this stands in for the organisation's OpenID Connect provider and its sign-in.",
      cookieName: 'oidc_session',
      sessionSeconds: SESSION_SECONDS,
    });
    this.issuerUrl = issuerUrl;
    this.#options = options;
    this.#privateKey = privateKey;
    this.#publicJwk = { ...publicJwk, kid: this.#keyId, alg: 'RS256', use: 'sig' };
    this.#issuerPath = new URL(issuerUrl).pathname.replace(/\/+$/, '');
    this.users = new LocalPoolUsers(options.signInSubject.attribute);
  }

  /** A provider with a fresh RS256 key pair (tokens of an earlier one stop verifying). */
  static async create(options: OidcProviderOptions): Promise<LocalOidcProvider> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    return new LocalOidcProvider(options, privateKey, await exportJWK(publicKey));
  }

  /** The public key set. */
  jwks(): Jwks {
    return { keys: [{ ...this.#publicJwk }] };
  }

  /** The discovery document. */
  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuerUrl,
      jwks_uri: `${this.issuerUrl}/jwks`,
      authorization_endpoint: this.endpoint('authorize'),
      token_endpoint: this.endpoint('token'),
      revocation_endpoint: this.endpoint('revoke'),
      end_session_endpoint: this.endpoint('endSession'),
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      scopes_supported: ['openid', ...new Set(this.clients.flatMap((client) => client.scopes))],
      claims_supported: [
        'sub',
        'preferred_username',
        ...(this.#options.signInSubject.attribute ? [this.#options.signInSubject.attribute] : []),
      ],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login'],
    };
  }

  /**
   * The access token (or, with `tokenUse: 'id'`, the ID token) of `name` as a sign-in through the first
   * client gives it, with the direct-token scopes: a sandbox shortcut for the browser sign-in.
   */
  async directToken(name: string, tokenUse: 'access' | 'id' = 'access'): Promise<string> {
    const [client] = this.clients;
    const now = Math.floor(Date.now() / 1000);
    const { accessToken, idToken } = await this.#grantTokens({
      client: client ?? {
        clientId: this.#options.audience,
        callbackUrls: [],
        logoutUrls: [],
        scopes: [],
        accessTokenSeconds: 3600,
        refreshTokenSeconds: 0,
      },
      subject: name,
      scopes: this.#options.directTokenScopes,
      authTime: now,
      nonce: undefined,
      kind: 'code',
      expiresInSeconds: this.accessTokenSecondsOverride ?? client?.accessTokenSeconds ?? 3600,
    });
    return tokenUse === 'access' ? accessToken : idToken;
  }

  /** Signs `claims` with the provider's key; for tests that need a token the provider would not issue. */
  sign(claims: Record<string, unknown>, type = 'JWT'): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.#keyId, typ: type })
      .sign(this.#privateKey);
  }

  /** Serves discovery, keys, the direct token and the endpoints; false when not its path. */
  override async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
    const { pathname } = new URL(request.url ?? '/', 'http://sandbox');
    const method = (request.method ?? 'GET').toUpperCase();
    // Discovery and keys are public, to any origin.
    if (pathname === `${this.#issuerPath}/.well-known/openid-configuration` && method === 'GET') {
      sendJson(response, 200, this.discovery(), { 'access-control-allow-origin': '*' });
      return true;
    }
    if (pathname === `${this.#issuerPath}/jwks` && method === 'GET') {
      sendJson(response, 200, this.jwks(), { 'access-control-allow-origin': '*' });
      return true;
    }
    if (pathname === `${this.#issuerPath}/_sandbox/token` && method === 'POST') {
      const answer = await this.#directTokenAnswer(body.toString('utf8'));
      sendJson(response, answer.status, answer.body);
      return true;
    }
    return super.handle(request, response, body);
  }

  async #directTokenAnswer(text: string): Promise<{ status: number; body: unknown }> {
    let request: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) request = parsed as Record<string, unknown>;
    } catch {
      return { status: 400, body: { message: 'Request body must be JSON' } };
    }
    const { field } = this.#options.signInSubject;
    const { [field]: name, tokenUse = 'access', claims } = request;
    if (typeof name !== 'string' || !SUBJECT_PATTERN.test(name))
      return { status: 400, body: { message: `${field} must match ${SUBJECT_PATTERN}` } };
    if (tokenUse !== 'access' && tokenUse !== 'id')
      return { status: 400, body: { message: 'tokenUse must be "access" or "id"' } };
    if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims)))
      return { status: 400, body: { message: 'claims must be a JSON object' } };
    const token = await this.directToken(name, tokenUse);
    if (claims === undefined) return { status: 200, body: { token } };
    // A test's stand-in for a misconfigured provider: the claims changed, signed again (`null` removes one).
    const changed = Object.fromEntries(
      Object.entries(claims).map(([claim, value]) => [claim, value === null ? undefined : value]),
    );
    return { status: 200, body: { token: await this.sign({ ...decodeJwt(token), ...changed }, 'at+jwt') } };
  }

  async #grantTokens(grant: TokenGrant): Promise<{ accessToken: string; idToken: string }> {
    const user = this.users.userFor(grant.subject);
    const now = Math.floor(Date.now() / 1000);
    const times = { iat: now, nbf: now, exp: now + grant.expiresInSeconds, auth_time: grant.authTime };
    const accessToken = await this.sign(
      {
        iss: this.issuerUrl,
        sub: user.sub,
        aud: this.#options.audience,
        azp: grant.client.clientId,
        scope: grant.scopes.join(' '),
        jti: randomUUID(),
        ...times,
        ...user.attributes,
      },
      'at+jwt',
    );
    const idToken = await this.sign({
      iss: this.issuerUrl,
      sub: user.sub,
      aud: grant.client.clientId,
      ...times,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      preferred_username: user.username,
      ...user.attributes,
    });
    return { accessToken, idToken };
  }
}

/** The `aud` of a JWT (its first, when a list), or '' when it names none; the signature is not checked. */
function audienceOf(token: string): string {
  try {
    const { aud } = decodeJwt(token);
    return (Array.isArray(aud) ? aud[0] : aud) ?? '';
  } catch {
    return '';
  }
}

function withQuery(url: string, params: Record<string, string>): string {
  const result = new URL(url);
  for (const [name, value] of Object.entries(params)) result.searchParams.set(name, value);
  return result.href;
}
