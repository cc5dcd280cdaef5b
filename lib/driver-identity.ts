import { type Duration, Token } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { customAttributeName, DriverPool } from './driver-pool.ts';
import { environmentMismatch } from './same-environment.ts';

/** Options of {@link DriverIdentity.cognito}. */
export interface CognitoDriverIdentityOptions {
  /**
   * A user pool that already exists, in this stack's account and region. Its users must carry
   * {@link driverIdAttribute}, which none of its app clients may write; the construct adds its app clients,
   * resource server and (with the driver app) login domain, and creates the token trigger, which the pool's
   * owner attaches (docs/integrate.md).
   * @default a pool created by the construct, with the attribute and the trigger attached
   */
  readonly userPool?: IUserPool;
  /**
   * The custom attribute (`custom:<name>`) holding the carrier's own id of each driver, set by the carrier
   * when it creates the driver (`aws cognito-idp admin-create-user`).
   * @default 'custom:driver_id'
   */
  readonly driverIdAttribute?: string;
}

/** Options of {@link DriverIdentity.oidc}. */
export interface OidcDriverIdentityOptions {
  /** The provider's issuer URL (`iss`), `https://…`; its discovery document and keys must be public. */
  readonly issuer: string;
  /**
   * The audiences (`aud`, or `client_id` without one) a driver's access token may carry; at least one.
   * Entra ID's v2.0 tokens name the API by its application (client) ID.
   */
  readonly audience: readonly string[];
  /** The scope a driver's access token must carry to verify a handover. */
  readonly scope: string;
  /**
   * The access-token claim holding the carrier's own id of the driver, e.g. `employee_id`: mapped from an
   * attribute only the provider's administrators can write, or a driver could set another driver's id.
   */
  readonly driverIdClaim: string;
  /**
   * The client id the drivers' web app signs in with at the provider: a public client (no secret) with the
   * authorization code grant and PKCE, allowed the scopes `openid` and {@link scope}, whose redirect and
   * post-logout redirect URI is the app's URL with a trailing slash (`sd.driverAppUrl` + `/`).
   * @default none: required when the construct deploys the driver app (`driverApp`, default true)
   */
  readonly webClientId?: string;
}

/** What the construct needs to bind the drivers' identity provider. */
export interface DriverIdentityBindOptions {
  readonly accessTokenValidity: Duration;
  readonly refreshTokenValidity: Duration;
  /** The drivers' web app, when there is one: its URL and login-domain prefix. */
  readonly webApp?: { readonly url: string; readonly loginDomainPrefix: string };
  /** The mail identity notifications to drivers come from (Cognito threat protection). */
  readonly mail?: { readonly senderEmail: string; readonly identityArn: string };
}

/** How the drivers' web app signs in: its `config.json` values and the origins it must reach. */
export interface DriverWebSignIn {
  /** The issuer URL (OIDC discovery lives under it). */
  readonly authority: string;
  readonly clientId: string;
  /** Scopes the app asks for, space-separated. */
  readonly scope: string;
  /** Cognito's managed-login domain (its `/logout` and `/oauth2/revoke`); absent for another provider. */
  readonly authDomain?: string;
  /** Content-Security-Policy `connect-src` sources the sign-in needs: the issuer's discovery, the token endpoint. */
  readonly connectSources: readonly string[];
}

/** The drivers' identity provider as the construct wires it. */
export interface BoundDriverIdentity {
  /** The API's default authorizer (construct id `Drivers`). */
  readonly authorizer: IHttpRouteAuthorizer;
  /** The scopes the verify route requires instead of the contract's, when the provider names its own. */
  readonly jwtScopes?: readonly string[];
  /** Who issues the tokens (DRIVER_IDENTITY_PROVIDER). */
  readonly provider: 'cognito' | 'oidc';
  /** The access-token claim holding the driver id (DRIVER_ID_CLAIM). */
  readonly driverIdClaim: string;
  /** The Cognito pool and its clients, for Cognito. */
  readonly pool?: DriverPool;
  /** How the drivers' web app signs in, when there is one. */
  readonly webSignIn?: DriverWebSignIn;
}

/**
 * Who the drivers are: the identity provider whose access tokens pass the verify route, and the claim that
 * names the carrier's own id of the driver (the id `Parcel Out For Delivery` carries, never a generated one).
 */
export abstract class DriverIdentity {
  /** Drivers in a Cognito user pool (created, or one that exists), their carrier id in a custom attribute. */
  static cognito(options: CognitoDriverIdentityOptions = {}): DriverIdentity {
    return new CognitoDrivers(options);
  }

  /**
   * Drivers of an OpenID Connect provider (Entra ID, Okta, Keycloak, …): API Gateway's JWT authorizer checks
   * the issuer, audience, scope and expiry (RSA signatures only); the handler reads `driverIdClaim`.
   */
  static oidc(options: OidcDriverIdentityOptions): DriverIdentity {
    return new OidcDrivers(options);
  }

  /** Who issues the drivers' tokens. */
  abstract readonly provider: 'cognito' | 'oidc';

  /** Creates what this provider needs under `scope` and the API's authorizer. */
  abstract bind(scope: Construct, options: DriverIdentityBindOptions): BoundDriverIdentity;
}

class CognitoDrivers extends DriverIdentity {
  readonly provider = 'cognito';
  private readonly driverIdAttribute: string;

  constructor(private readonly options: CognitoDriverIdentityOptions) {
    super();
    this.driverIdAttribute = options.driverIdAttribute ?? ENVIRONMENT.DRIVER_ID_ATTRIBUTE.default;
    customAttributeName(this.driverIdAttribute, 'DriverIdentity.cognito: driverIdAttribute');
  }

  bind(scope: Construct, options: DriverIdentityBindOptions): BoundDriverIdentity {
    // The construct adds its app clients and resource server to the pool: only the stack's own account and region can.
    const mismatch = this.options.userPool && environmentMismatch(this.options.userPool.env, scope);
    if (mismatch)
      throw new Error(
        `DriverIdentity.cognito: userPool must be in this stack's ${mismatch.part} (${mismatch.own}), not ${mismatch.theirs}: the construct adds its app clients to the pool`,
      );
    const pool = new DriverPool(scope, 'Drivers', {
      ...(this.options.userPool ? { userPool: this.options.userPool } : {}),
      driverIdAttribute: this.driverIdAttribute,
      accessTokenValidity: options.accessTokenValidity,
      refreshTokenValidity: options.refreshTokenValidity,
      ...(options.webApp ? { webApp: options.webApp } : {}),
      ...(options.mail
        ? { riskNotifications: { from: options.mail.senderEmail, sourceArn: options.mail.identityArn } }
        : {}),
    });
    const { webClient, loginDomainUrl } = pool;
    return {
      authorizer: new HttpUserPoolAuthorizer('Drivers', pool.userPool, {
        userPoolClients: [pool.handheldClient, ...(webClient ? [webClient] : [])],
        userPoolRegion: pool.region,
      }),
      provider: 'cognito',
      driverIdClaim: pool.driverIdClaim,
      pool,
      ...(webClient && loginDomainUrl
        ? {
            webSignIn: {
              authority: pool.issuerUrl,
              clientId: webClient.userPoolClientId,
              scope: `openid ${pool.verifyScope}`,
              authDomain: loginDomainUrl,
              // This pool's issuer path only (its discovery document), and its login domain (token, revoke).
              connectSources: [`${pool.issuerUrl}/`, loginDomainUrl],
            },
          }
        : {}),
    };
  }
}

/** JWT claims the authorizer itself checks or that name no driver: never the driver-id claim. */
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'scp', 'client_id']);

class OidcDrivers extends DriverIdentity {
  readonly provider = 'oidc';

  constructor(private readonly options: OidcDriverIdentityOptions) {
    super();
    const { issuer, audience, scope, driverIdClaim } = options;
    const prop = (name: string) => `DriverIdentity.oidc: ${name}`;
    if (!Token.isUnresolved(issuer) && !isHttpsUrl(issuer))
      throw new Error(`${prop('issuer')} must be an https:// URL (no query or fragment), got ${issuer}`);
    if (audience.length === 0 || audience.some((value) => typeof value !== 'string' || value.trim() === ''))
      throw new Error(`${prop('audience')} must name at least one audience, none of them empty`);
    if (!Token.isUnresolved(scope) && !/^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/.test(scope))
      throw new Error(
        `${prop('scope')} must be one scope (no spaces or quotes), got ${JSON.stringify(scope)}`,
      );
    if (
      !Token.isUnresolved(driverIdClaim) &&
      (!/^[\w:.-]{1,128}$/.test(driverIdClaim) || RESERVED_CLAIMS.has(driverIdClaim))
    )
      throw new Error(
        `${prop('driverIdClaim')} must name the claim holding the carrier's driver id (not ${[...RESERVED_CLAIMS].join(', ')}), got ${JSON.stringify(driverIdClaim)}`,
      );
  }

  bind(_scope: Construct, options: DriverIdentityBindOptions): BoundDriverIdentity {
    const { issuer, scope, webClientId } = this.options;
    if (options.webApp && (webClientId === undefined || webClientId.trim() === ''))
      throw new Error(
        "DriverIdentity.oidc: webClientId must name the drivers' web app's client at the provider (public, code grant with PKCE, redirect and post-logout URI the app's URL), or set driverApp: false",
      );
    return {
      ...(options.webApp && webClientId
        ? {
            webSignIn: {
              authority: issuer,
              clientId: webClientId,
              scope: `openid ${scope}`,
              // The provider's origin: discovery, and the token and end-session endpoints beside it.
              connectSources: [Token.isUnresolved(issuer) ? issuer : new URL(issuer).origin],
            },
          }
        : {}),
      authorizer: new HttpJwtAuthorizer('Drivers', this.options.issuer, {
        jwtAudience: [...this.options.audience],
      }),
      jwtScopes: [this.options.scope],
      provider: 'oidc',
      driverIdClaim: this.options.driverIdClaim,
    };
  }
}

/** True for an absolute `https://` URL without query or fragment (what API Gateway takes as an issuer). */
function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.search === '' && url.hash === '' && url.hostname !== '';
  } catch {
    return false;
  }
}
