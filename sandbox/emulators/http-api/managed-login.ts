/**
 * A local stand-in for a Cognito user pool's managed login (its domain's OAuth 2.0 endpoints), for app
 * clients with the authorization code grant. Follows "User pool endpoints and managed login reference"
 * (Cognito developer guide): `/oauth2/authorize` checks the client, its callback URL, response type and
 * scopes, then shows a sign-in page (here: pick a user by the issuer's sign-in subject; no password, no MFA:
 * sandbox only);
 * `/oauth2/token` exchanges a single-use code (5 minutes) for ID, access and refresh tokens, verifying the
 * PKCE `code_verifier` against an S256 `code_challenge`, and refreshes with `refresh_token`; `/oauth2/revoke`
 * revokes a refresh token; `/logout` redirects only to a registered sign-out URL. The token endpoint
 * answers browsers cross-origin, as Cognito's does. Access tokens carry `token_use: access`, the client's
 * `client_id` and the granted `scope`; ID tokens `aud` and `nonce`; both pass through the pool's
 * pre-token-generation trigger (`TokenGeneration_HostedAuth`, `TokenGeneration_RefreshTokens`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../html.ts';
import { type LocalJwtIssuer, SUBJECT_PATTERN } from './jwt-issuer.ts';

/** An app client with the code grant, as its `AWS::Cognito::UserPoolClient` configures it. */
export interface ManagedLoginClient {
  readonly clientId: string;
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly scopes: readonly string[];
  readonly accessTokenSeconds: number;
  readonly refreshTokenSeconds: number;
}

/** What the token endpoint has done, for tests. */
export interface ManagedLoginStats {
  codeGrants: number;
  refreshGrants: number;
  revocations: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly expiresAt: number;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly subject: string;
  /** When the user signed in; refreshed tokens keep it, as Cognito's do. */
  readonly authTime: number;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** The managed-login domain of one pool. */
export class LocalManagedLogin {
  readonly stats: ManagedLoginStats = { codeGrants: 0, refreshGrants: 0, revocations: 0 };
  /** Overrides every client's access-token lifetime (tests make tokens expire during a shift). */
  accessTokenSecondsOverride: number | undefined;
  readonly #codes = new Map<string, PendingCode>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #clients: ReadonlyMap<string, ManagedLoginClient>;
  /** The clients with the code grant this domain serves. */
  readonly clients: readonly ManagedLoginClient[];
  readonly #basePath: string;
  readonly #issuerBasePath: string;

  /**
   * @param domainUrl the domain's base URL, e.g. `http://127.0.0.1:4010/managed-login/my-app`.
   */
  constructor(
    readonly issuer: LocalJwtIssuer,
    readonly domainUrl: string,
    clients: readonly ManagedLoginClient[],
  ) {
    this.clients = clients;
    this.#clients = new Map(clients.map((client) => [client.clientId, client]));
    this.#basePath = new URL(domainUrl).pathname.replace(/\/+$/, '');
    this.#issuerBasePath = new URL(issuer.issuerUrl).pathname.replace(/\/+$/, '');
  }

  /** Revokes every refresh token of `subject`, as `AdminUserGlobalSignOut` does; issued access tokens live on. */
  globalSignOut(subject: string): void {
    for (const [token, grant] of this.#refreshTokens)
      if (grant.subject === subject) this.#refreshTokens.delete(token);
  }

  /** The OIDC discovery document of the pool's issuer, naming this domain's endpoints. */
  discovery(): Record<string, unknown> {
    const issuer = this.issuer.issuerUrl.replace(/\/+$/, '');
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_endpoint: `${this.domainUrl}/oauth2/authorize`,
      token_endpoint: `${this.domainUrl}/oauth2/token`,
      revocation_endpoint: `${this.domainUrl}/oauth2/revoke`,
      end_session_endpoint: `${this.domainUrl}/logout`,
      userinfo_endpoint: `${this.domainUrl}/oauth2/userInfo`,
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
    };
  }

  /** Serves a request for one of this domain's paths (or the issuer's discovery); false when not its path. */
  async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = (request.method ?? 'GET').toUpperCase();
    const origin = request.headers.origin;
    if (url.pathname === `${this.#issuerBasePath}/.well-known/openid-configuration`) {
      // Cognito serves discovery and keys to any origin.
      sendJson(response, 200, this.discovery(), { 'access-control-allow-origin': '*' });
      return true;
    }
    if (url.pathname === `${this.#issuerBasePath}/.well-known/jwks.json`) {
      sendJson(response, 200, this.issuer.jwks(), { 'access-control-allow-origin': '*' });
      return true;
    }
    if (!url.pathname.startsWith(`${this.#basePath}/`)) return false;
    const path = url.pathname.slice(this.#basePath.length);
    const cors: Record<string, string> = origin
      ? { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-allow-credentials': 'true' }
      : {};
    if (method === 'OPTIONS' && (path === '/oauth2/token' || path === '/oauth2/revoke')) {
      response.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '3600',
      });
      response.end();
      return true;
    }
    if (path === '/oauth2/authorize' && method === 'GET')
      return this.#authorizePage(url.searchParams, response);
    if (path === '/oauth2/authorize' && method === 'POST') {
      return this.#authorizeSubmit(new URLSearchParams(body.toString('utf8')), response);
    }
    if (path === '/oauth2/token' && method === 'POST') {
      const answer = await this.#token(new URLSearchParams(body.toString('utf8')));
      sendJson(response, answer.status, answer.body, { ...cors, 'cache-control': 'no-store' });
      return true;
    }
    if (path === '/oauth2/revoke' && method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      const grant = this.#refreshTokens.get(form.get('token') ?? '');
      if (grant && grant.clientId === form.get('client_id')) {
        this.#refreshTokens.delete(form.get('token') ?? '');
        this.stats.revocations++;
      }
      // RFC 7009: an unknown token is not an error.
      response.writeHead(200, cors);
      response.end();
      return true;
    }
    if (path === '/logout' && method === 'GET') {
      const client = this.#clients.get(url.searchParams.get('client_id') ?? '');
      const logoutUri = url.searchParams.get('logout_uri') ?? '';
      if (!client?.logoutUrls.includes(logoutUri)) {
        sendHtml(
          response,
          400,
          'Sign-out refused',
          '<p>The client or its sign-out URL is not registered.</p>',
        );
        return true;
      }
      response.writeHead(302, { location: logoutUri });
      response.end();
      return true;
    }
    sendJson(response, 404, { error: 'not_found' });
    return true;
  }

  /** Checks an authorize request; the problem as text, or the client and granted scopes. */
  #checkAuthorize(
    params: URLSearchParams,
  ): { error: string } | { client: ManagedLoginClient; scopes: string[] } {
    const client = this.#clients.get(params.get('client_id') ?? '');
    if (!client) return { error: 'The client is not registered.' };
    if (!client.callbackUrls.includes(params.get('redirect_uri') ?? '')) {
      return { error: 'redirect_mismatch: the redirect URI is not a callback URL of the client.' };
    }
    if (params.get('response_type') !== 'code') return { error: 'unsupported_response_type' };
    const method = params.get('code_challenge_method');
    if (params.has('code_challenge') && method !== 'S256') {
      return { error: 'invalid_request: code_challenge_method must be S256' };
    }
    const requested = (params.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.length > 0 ? requested : [...client.scopes];
    if (scopes.some((scope) => !client.scopes.includes(scope))) return { error: 'invalid_scope' };
    return { client, scopes };
  }

  #authorizePage(params: URLSearchParams, response: ServerResponse): true {
    const checked = this.#checkAuthorize(params);
    if ('error' in checked) {
      sendHtml(response, 400, 'Sign-in refused', `<p>${escapeHtml(checked.error)}</p>`);
      return true;
    }
    const { field: subjectField, label, example } = this.issuer.signInSubject;
    const hidden = [...params]
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('');
    sendHtml(
      response,
      200,
      'Sandbox sign-in',
      `<p>Sandbox only: in AWS this is the pool's managed login with password and second factor.</p>
<form method="post">${hidden}
<label for="${escapeHtml(subjectField)}">${escapeHtml(label)}</label>
<input id="${escapeHtml(subjectField)}" name="${escapeHtml(subjectField)}" value="${escapeHtml(example)}" autocomplete="username" required>
<button type="submit">Sign in</button></form>`,
      new URL(params.get('redirect_uri') ?? '').origin,
    );
    return true;
  }

  #authorizeSubmit(form: URLSearchParams, response: ServerResponse): true {
    const checked = this.#checkAuthorize(form);
    if ('error' in checked) {
      sendHtml(response, 400, 'Sign-in refused', `<p>${escapeHtml(checked.error)}</p>`);
      return true;
    }
    const { field, label } = this.issuer.signInSubject;
    const subject = form.get(field) ?? '';
    if (!SUBJECT_PATTERN.test(subject)) {
      sendHtml(
        response,
        400,
        'Sign-in refused',
        `<p>${escapeHtml(label)}s are letters, digits, dots, dashes, underscores.</p>`,
      );
      return true;
    }
    const code = randomBytes(24).toString('base64url');
    this.#codes.set(code, {
      clientId: checked.client.clientId,
      redirectUri: form.get('redirect_uri') ?? '',
      subject,
      scopes: checked.scopes,
      nonce: form.get('nonce') ?? undefined,
      codeChallenge: form.get('code_challenge') ?? undefined,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const redirect = new URL(form.get('redirect_uri') ?? '');
    redirect.searchParams.set('code', code);
    const state = form.get('state');
    if (state !== null) redirect.searchParams.set('state', state);
    response.writeHead(302, { location: redirect.href });
    response.end();
    return true;
  }

  async #token(form: URLSearchParams): Promise<{ status: number; body: unknown }> {
    const invalid = (error: string) => ({ status: 400, body: { error } });
    const client = this.#clients.get(form.get('client_id') ?? '');
    if (!client) return invalid('invalid_client');
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = this.#codes.get(code);
      // A code is single-use: even a failed exchange spends it.
      this.#codes.delete(code);
      if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) {
        return invalid('invalid_grant');
      }
      if (pending.redirectUri !== form.get('redirect_uri')) return invalid('invalid_grant');
      if (pending.codeChallenge !== undefined) {
        const verifier = form.get('code_verifier') ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (computed !== pending.codeChallenge) return invalid('invalid_grant');
      }
      this.stats.codeGrants++;
      const refreshToken = randomBytes(32).toString('base64url');
      const authTime = Math.floor(Date.now() / 1000);
      this.#refreshTokens.set(refreshToken, {
        clientId: client.clientId,
        subject: pending.subject,
        authTime,
        scopes: pending.scopes,
        expiresAt: Date.now() + client.refreshTokenSeconds * 1000,
      });
      return {
        status: 200,
        body: {
          ...(await this.#tokens(
            client,
            pending.subject,
            pending.scopes,
            authTime,
            pending.nonce,
            'TokenGeneration_HostedAuth',
          )),
          refresh_token: refreshToken,
        },
      };
    }
    if (grantType === 'refresh_token') {
      const grant = this.#refreshTokens.get(form.get('refresh_token') ?? '');
      if (!grant || grant.expiresAt < Date.now() || grant.clientId !== client.clientId) {
        return invalid('invalid_grant');
      }
      this.stats.refreshGrants++;
      // Cognito without rotation: a refresh answers new ID and access tokens, the refresh token stays.
      return {
        status: 200,
        body: await this.#tokens(
          client,
          grant.subject,
          grant.scopes,
          grant.authTime,
          undefined,
          'TokenGeneration_RefreshTokens',
        ),
      };
    }
    return invalid('unsupported_grant_type');
  }

  async #tokens(
    client: ManagedLoginClient,
    subject: string,
    scopes: readonly string[],
    authTime: number,
    nonce: string | undefined,
    triggerSource: 'TokenGeneration_HostedAuth' | 'TokenGeneration_RefreshTokens',
  ) {
    const expiresInSeconds = this.accessTokenSecondsOverride ?? client.accessTokenSeconds;
    // The pool's pre-token-generation trigger runs for managed login and refreshes too, as in Cognito.
    const { accessToken, idToken } = await this.issuer.signInTokens(subject, {
      clientId: client.clientId,
      scopes,
      triggerSource,
      expiresInSeconds,
      accessTokenClaims: { auth_time: authTime },
      idTokenClaims: { auth_time: authTime, ...(nonce ? { nonce } : {}) },
    });
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
    };
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

// Border-box sizing: a full-width field with padding and border stays inside a 320 px phone.
const PAGE_STYLE =
  '*{box-sizing:border-box}' +
  'body{font:18px system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#111;overflow-wrap:anywhere}' +
  'label{display:block;font-weight:700;margin:1rem 0 .3rem}input{width:100%;min-height:56px;font-size:1.2rem;padding:.5rem;border:2px solid #555;border-radius:8px}' +
  'button{width:100%;min-height:56px;margin-top:1rem;font-size:1.2rem;font-weight:700;color:#fff;background:#0b4f9c;border:0;border-radius:8px}';

/** `formTarget`: the origin the form's redirect lands on (CSP form-action covers redirects too). */
function sendHtml(
  response: ServerResponse,
  status: number,
  title: string,
  content: string,
  formTarget = '',
): void {
  const nonce = randomBytes(16).toString('base64');
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${formTarget}; frame-ancestors 'none'`,
    'cache-control': 'no-store',
  });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${PAGE_STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`,
  );
}
