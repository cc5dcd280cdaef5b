/**
 * A local stand-in for a Cognito user pool's managed login (its domain's OAuth 2.0 endpoints), for app
 * clients with the authorization code grant. Follows "User pool endpoints and managed login reference"
 * (Cognito developer guide) on the shared authorization server (`authorization-server.ts`): endpoints
 * `/oauth2/authorize`, `/oauth2/token`, `/oauth2/revoke` and `/logout`, which redirects only to a
 * registered sign-out URL (`client_id` and `logout_uri`) and ends the managed-login session (its cookie
 * lasts an hour, as Cognito's does). Access tokens carry `token_use: access`, the client's `client_id` and
 * the granted `scope`; ID tokens `aud` and `nonce`; both pass through the pool's pre-token-generation
 * trigger (`TokenGeneration_HostedAuth`, `TokenGeneration_RefreshTokens`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthorizationClient, LocalAuthorizationServer } from './authorization-server.ts';
import type { LocalJwtIssuer } from './jwt-issuer.ts';
import { sendJson } from './login-pages.ts';

/** An app client with the code grant, as its `AWS::Cognito::UserPoolClient` configures it. */
export type ManagedLoginClient = AuthorizationClient;

/** How long managed login remembers a sign-in (Cognito: one hour). */
const SESSION_SECONDS = 3600;

/** The managed-login domain of one pool. */
export class LocalManagedLogin extends LocalAuthorizationServer {
  readonly #issuerBasePath: string;

  /**
   * @param domainUrl the domain's base URL, e.g. `http://127.0.0.1:4010/managed-login/my-app`.
   */
  constructor(
    readonly issuer: LocalJwtIssuer,
    readonly domainUrl: string,
    clients: readonly ManagedLoginClient[],
  ) {
    super({
      baseUrl: domainUrl,
      clients,
      signInSubject: issuer.signInSubject,
      paths: {
        authorize: '/oauth2/authorize',
        token: '/oauth2/token',
        revoke: '/oauth2/revoke',
        endSession: '/logout',
      },
      // The pool's pre-token-generation trigger runs for managed login and refreshes too, as in Cognito.
      issueTokens: (grant) =>
        issuer.signInTokens(grant.subject, {
          clientId: grant.client.clientId,
          scopes: grant.scopes,
          triggerSource:
            grant.kind === 'code' ? 'TokenGeneration_HostedAuth' : 'TokenGeneration_RefreshTokens',
          expiresInSeconds: grant.expiresInSeconds,
          accessTokenClaims: { auth_time: grant.authTime },
          idTokenClaims: { auth_time: grant.authTime, ...(grant.nonce ? { nonce: grant.nonce } : {}) },
        }),
      endSession: (params, registered) => {
        const client = registered.get(params.get('client_id') ?? '');
        const logoutUri = params.get('logout_uri') ?? '';
        return client?.logoutUrls.includes(logoutUri)
          ? { returnTo: logoutUri }
          : { error: 'The client or its sign-out URL is not registered.' };
      },
      pageNote: "Sandbox only: in AWS this is the pool's managed login with password and second factor.",
      cookieName: 'cognito',
      sessionSeconds: SESSION_SECONDS,
    });
    this.#issuerBasePath = new URL(issuer.issuerUrl).pathname.replace(/\/+$/, '');
  }

  /** The OIDC discovery document of the pool's issuer, naming this domain's endpoints. */
  discovery(): Record<string, unknown> {
    const issuer = this.issuer.issuerUrl.replace(/\/+$/, '');
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_endpoint: this.endpoint('authorize'),
      token_endpoint: this.endpoint('token'),
      revocation_endpoint: this.endpoint('revoke'),
      end_session_endpoint: this.endpoint('endSession'),
      userinfo_endpoint: `${this.domainUrl}/oauth2/userInfo`,
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
    };
  }

  /** Serves the issuer's discovery and keys, then the domain's endpoints; false when not its path. */
  override async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
    const { pathname } = new URL(request.url ?? '/', 'http://sandbox');
    // Cognito serves discovery and keys to any origin.
    if (pathname === `${this.#issuerBasePath}/.well-known/openid-configuration`) {
      sendJson(response, 200, this.discovery(), { 'access-control-allow-origin': '*' });
      return true;
    }
    if (pathname === `${this.#issuerBasePath}/.well-known/jwks.json`) {
      sendJson(response, 200, this.issuer.jwks(), { 'access-control-allow-origin': '*' });
      return true;
    }
    return super.handle(request, response, body);
  }
}
