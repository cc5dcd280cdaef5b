/**
 * A local OAuth 2.0 authorization server for public clients with the authorization code grant and PKCE:
 * the part a Cognito managed-login domain (`managed-login.ts`) and a generic OpenID Connect provider
 * (`oidc-provider.ts`) share. `authorize` checks the client, its callback URL, response type and scopes,
 * then shows a sign-in page (here: pick a user by the sign-in subject; no password, no MFA: sandbox only);
 * a sign-in starts a session (an HttpOnly cookie on the server's path) that a later `authorize` reuses
 * without a page unless it asks `prompt=login`, and that ending the session forgets. `token` exchanges a
 * single-use code (5 minutes) for tokens, verifying the PKCE `code_verifier` against an S256
 * `code_challenge`, and refreshes with `refresh_token`; `revoke` revokes a refresh token (RFC 7009). The
 * token and revoke endpoints answer browsers cross-origin.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../html.ts';
import { type SignInSubject, SUBJECT_PATTERN } from './jwt-issuer.ts';
import { sendHtml, sendJson, sendSignInPage } from './login-pages.ts';

/** A public client with the code grant: where it may return to, and what it may ask for. */
export interface AuthorizationClient {
  readonly clientId: string;
  /** Redirect URIs after sign-in. */
  readonly callbackUrls: readonly string[];
  /** Where a sign-out may return to. */
  readonly logoutUrls: readonly string[];
  readonly scopes: readonly string[];
  readonly accessTokenSeconds: number;
  readonly refreshTokenSeconds: number;
}

/** What the token endpoint has done, and how users signed in, for tests. */
export interface AuthorizationStats {
  codeGrants: number;
  refreshGrants: number;
  revocations: number;
  /** Sign-ins through the page (credentials asked for). */
  pageSignIns: number;
  /** Authorizations answered from an existing session, no page shown. */
  sessionSignIns: number;
  /** Sessions ended through the sign-out endpoint. */
  sessionsEnded: number;
}

/** One grant the server issues tokens for: a code exchange or a refresh. */
export interface TokenGrant {
  readonly client: AuthorizationClient;
  readonly subject: string;
  readonly scopes: readonly string[];
  /** When the user signed in; refreshed tokens keep it. */
  readonly authTime: number;
  readonly nonce: string | undefined;
  readonly kind: 'code' | 'refresh';
  readonly expiresInSeconds: number;
}

/** A sign-out request as the dialect reads it: where to send the browser back, or why not. */
export type EndSessionAnswer = { readonly returnTo: string } | { readonly error: string };

/** The paths (below the base URL) and the dialect's own parts. */
export interface AuthorizationServerOptions {
  /** Base URL the paths hang off, e.g. `http://127.0.0.1:4010/managed-login/my-app`. */
  readonly baseUrl: string;
  readonly clients: readonly AuthorizationClient[];
  readonly signInSubject: SignInSubject;
  readonly paths: Readonly<Record<'authorize' | 'token' | 'revoke' | 'endSession', string>>;
  /** The ID and access token of one grant. */
  readonly issueTokens: (grant: TokenGrant) => Promise<{ accessToken: string; idToken: string }>;
  /** Reads a sign-out request against the registered clients. */
  readonly endSession: (
    params: URLSearchParams,
    clients: ReadonlyMap<string, AuthorizationClient>,
  ) => EndSessionAnswer;
  /** What the sign-in page says stands in for the real one. */
  readonly pageNote: string;
  /** The session cookie's name. */
  readonly cookieName: string;
  /** How long a sign-in session lasts. */
  readonly sessionSeconds: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly subject: string;
  readonly authTime: number;
  readonly scopes: readonly string[];
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly expiresAt: number;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly subject: string;
  readonly authTime: number;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

type Session = Pick<RefreshGrant, 'subject' | 'authTime' | 'expiresAt'>;

/** An authorization server on one base URL. */
export class LocalAuthorizationServer {
  readonly stats: AuthorizationStats = {
    codeGrants: 0,
    refreshGrants: 0,
    revocations: 0,
    pageSignIns: 0,
    sessionSignIns: 0,
    sessionsEnded: 0,
  };
  /** Overrides every client's access-token lifetime (tests make tokens expire during a shift). */
  accessTokenSecondsOverride: number | undefined;
  /** The clients with the code grant this server serves. */
  readonly clients: readonly AuthorizationClient[];
  readonly #clients: ReadonlyMap<string, AuthorizationClient>;
  readonly #codes = new Map<string, PendingCode>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #sessions = new Map<string, Session>();
  readonly #basePath: string;

  constructor(private readonly options: AuthorizationServerOptions) {
    this.clients = options.clients;
    this.#clients = new Map(options.clients.map((client) => [client.clientId, client]));
    this.#basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
  }

  /** The base URL the endpoints hang off. */
  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /** Absolute URL of one of the endpoints. */
  endpoint(name: keyof AuthorizationServerOptions['paths']): string {
    return `${this.baseUrl}${this.options.paths[name]}`;
  }

  /** Revokes every refresh token of `subject`, as a global sign-out does; issued access tokens live on. */
  globalSignOut(subject: string): void {
    for (const [token, grant] of this.#refreshTokens)
      if (grant.subject === subject) this.#refreshTokens.delete(token);
  }

  /** Serves a request for one of the endpoints; false when the path is not one of them. */
  async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    if (!url.pathname.startsWith(`${this.#basePath}/`)) return false;
    const path = url.pathname.slice(this.#basePath.length);
    const { paths } = this.options;
    const method = (request.method ?? 'GET').toUpperCase();
    const origin = request.headers.origin;
    const cors: Record<string, string> = origin
      ? { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-allow-credentials': 'true' }
      : {};
    const form = () => new URLSearchParams(body.toString('utf8'));
    if (method === 'OPTIONS' && (path === paths.token || path === paths.revoke)) {
      response.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '3600',
      });
      response.end();
      return true;
    }
    if (path === paths.authorize && method === 'GET') {
      this.#authorize(url.searchParams, this.#sessionOf(request), response);
      return true;
    }
    if (path === paths.authorize && method === 'POST') {
      this.#authorizeSubmit(form(), response);
      return true;
    }
    if (path === paths.token && method === 'POST') {
      const answer = await this.#token(form());
      sendJson(response, answer.status, answer.body, { ...cors, 'cache-control': 'no-store' });
      return true;
    }
    if (path === paths.revoke && method === 'POST') {
      this.#revoke(form());
      // RFC 7009: an unknown token is not an error.
      response.writeHead(200, cors);
      response.end();
      return true;
    }
    if (path === paths.endSession && method === 'GET') {
      this.#endSession(url.searchParams, request, response);
      return true;
    }
    sendJson(response, 404, { error: 'not_found' });
    return true;
  }

  /** The live session the request's cookie names, if any. */
  #sessionOf(request: IncomingMessage): { id: string; session: Session } | undefined {
    const cookies = (request.headers.cookie ?? '').split(';').map((part) => part.trim().split('='));
    const id = cookies.find(([name]) => name === this.options.cookieName)?.[1] ?? '';
    const session = this.#sessions.get(id);
    if (!session || session.expiresAt < Date.now()) return undefined;
    return { id, session };
  }

  /** Checks an authorize request; the problem as text, or the client and granted scopes. */
  #checkAuthorize(
    params: URLSearchParams,
  ): { error: string } | { client: AuthorizationClient; scopes: string[] } {
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

  #authorize(
    params: URLSearchParams,
    current: { session: Session } | undefined,
    response: ServerResponse,
  ): void {
    const checked = this.#checkAuthorize(params);
    if ('error' in checked) {
      sendHtml(response, 400, 'Sign-in refused', `<p>${escapeHtml(checked.error)}</p>`);
      return;
    }
    const prompt = (params.get('prompt') ?? '').split(' ');
    if (current && !prompt.includes('login')) {
      // A live session signs in again without asking: what `prompt=login` and signing out prevent.
      this.stats.sessionSignIns++;
      this.#redirectWithCode(params, checked.scopes, current.session, response);
      return;
    }
    if (prompt.includes('none')) {
      const redirect = new URL(params.get('redirect_uri') ?? '');
      redirect.searchParams.set('error', 'login_required');
      const state = params.get('state');
      if (state !== null) redirect.searchParams.set('state', state);
      response.writeHead(302, { location: redirect.href });
      response.end();
      return;
    }
    sendSignInPage(response, params, this.options.signInSubject, this.options.pageNote);
  }

  #authorizeSubmit(form: URLSearchParams, response: ServerResponse): void {
    const checked = this.#checkAuthorize(form);
    if ('error' in checked) {
      sendHtml(response, 400, 'Sign-in refused', `<p>${escapeHtml(checked.error)}</p>`);
      return;
    }
    const { field, label } = this.options.signInSubject;
    const subject = form.get(field) ?? '';
    if (!SUBJECT_PATTERN.test(subject)) {
      sendHtml(
        response,
        400,
        'Sign-in refused',
        `<p>${escapeHtml(label)}s are letters, digits, dots, dashes, underscores.</p>`,
      );
      return;
    }
    this.stats.pageSignIns++;
    const session: Session = {
      subject,
      authTime: Math.floor(Date.now() / 1000),
      expiresAt: Date.now() + this.options.sessionSeconds * 1000,
    };
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, session);
    response.setHeader(
      'set-cookie',
      `${this.options.cookieName}=${id}; Path=${this.#basePath}/; HttpOnly; SameSite=Lax; Max-Age=${this.options.sessionSeconds}`,
    );
    this.#redirectWithCode(form, checked.scopes, session, response);
  }

  /** Sends the browser back to the client's redirect URI with a fresh code (and the request's state). */
  #redirectWithCode(
    params: URLSearchParams,
    scopes: readonly string[],
    session: Session,
    response: ServerResponse,
  ): void {
    const code = randomBytes(24).toString('base64url');
    this.#codes.set(code, {
      clientId: params.get('client_id') ?? '',
      redirectUri: params.get('redirect_uri') ?? '',
      subject: session.subject,
      authTime: session.authTime,
      scopes,
      nonce: params.get('nonce') ?? undefined,
      codeChallenge: params.get('code_challenge') ?? undefined,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const redirect = new URL(params.get('redirect_uri') ?? '');
    redirect.searchParams.set('code', code);
    const state = params.get('state');
    if (state !== null) redirect.searchParams.set('state', state);
    response.writeHead(302, { location: redirect.href });
    response.end();
  }

  #endSession(params: URLSearchParams, request: IncomingMessage, response: ServerResponse): void {
    const answer = this.options.endSession(params, this.#clients);
    if ('error' in answer) {
      sendHtml(response, 400, 'Sign-out refused', `<p>${escapeHtml(answer.error)}</p>`);
      return;
    }
    const current = this.#sessionOf(request);
    if (current) {
      this.#sessions.delete(current.id);
      this.stats.sessionsEnded++;
    }
    response.writeHead(302, {
      location: answer.returnTo,
      'set-cookie': `${this.options.cookieName}=; Path=${this.#basePath}/; HttpOnly; SameSite=Lax; Max-Age=0`,
    });
    response.end();
  }

  #revoke(form: URLSearchParams): void {
    const token = form.get('token') ?? '';
    const grant = this.#refreshTokens.get(token);
    if (grant && grant.clientId === form.get('client_id')) {
      this.#refreshTokens.delete(token);
      this.stats.revocations++;
    }
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
      this.#refreshTokens.set(refreshToken, {
        clientId: client.clientId,
        subject: pending.subject,
        authTime: pending.authTime,
        scopes: pending.scopes,
        expiresAt: Date.now() + client.refreshTokenSeconds * 1000,
      });
      const tokens = await this.#tokens({ ...pending, client, kind: 'code' });
      return { status: 200, body: { ...tokens, refresh_token: refreshToken } };
    }
    if (grantType === 'refresh_token') {
      const grant = this.#refreshTokens.get(form.get('refresh_token') ?? '');
      if (!grant || grant.expiresAt < Date.now() || grant.clientId !== client.clientId) {
        return invalid('invalid_grant');
      }
      this.stats.refreshGrants++;
      // Without rotation: a refresh answers new ID and access tokens, the refresh token stays.
      return {
        status: 200,
        body: await this.#tokens({ ...grant, client, nonce: undefined, kind: 'refresh' }),
      };
    }
    return invalid('unsupported_grant_type');
  }

  async #tokens(grant: Omit<TokenGrant, 'expiresInSeconds'>) {
    const expiresInSeconds = this.accessTokenSecondsOverride ?? grant.client.accessTokenSeconds;
    const { accessToken, idToken } = await this.options.issueTokens({ ...grant, expiresInSeconds });
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
    };
  }
}
