/**
 * What the HTTP API and managed-login emulators take from the template: the API's CORS configuration and each
 * user-pool domain's code-grant clients, with the template's CloudFront origins replaced by a local app's URL.
 */
import type { TemplateResolver } from '../template.ts';
import type { HttpApiCors } from './cors.ts';
import type { LocalJwtIssuer } from './jwt-issuer.ts';
import { LocalManagedLogin, type ManagedLoginClient } from './managed-login.ts';

/**
 * The template's CloudFront distributions stand for a locally served app: `https://<distribution domain>` in
 * any resolved value (callback URLs, CORS origins) becomes the app's local URL (values stay as they are without one).
 */
function localizeAppUrls<T>(resolver: TemplateResolver, value: T, appUrl: string | undefined): T {
  if (appUrl === undefined) return value;
  const domains = resolver
    .resourcesOfType('AWS::CloudFront::Distribution')
    .map(([id]) => `https://${resolver.getAtt(id, 'DomainName')}`);
  const text = domains.reduce((json, domain) => json.split(domain).join(appUrl), JSON.stringify(value));
  return JSON.parse(text) as T;
}

/** The HTTP API's `CorsConfiguration`, resolved and localized; undefined when the API has none. */
export function apiCorsOf(resolver: TemplateResolver, appUrl: string | undefined): HttpApiCors | undefined {
  const [api] = resolver.resourcesOfType('AWS::ApiGatewayV2::Api');
  const cors = api?.[1].Properties?.CorsConfiguration;
  return cors ? localizeAppUrls(resolver, resolver.resolve(cors) as HttpApiCors, appUrl) : undefined;
}

const VALIDITY_UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/**
 * A managed-login domain for every pool that has one (`AWS::Cognito::UserPoolDomain`), serving its app
 * clients with the code grant, at `<awsBase>/managed-login/<domain prefix>`.
 */
export function managedLoginsOf(
  resolver: TemplateResolver,
  issuers: ReadonlyMap<string, LocalJwtIssuer>,
  awsBase: string,
  appUrl: string | undefined,
): LocalManagedLogin[] {
  return resolver.resourcesOfType('AWS::Cognito::UserPoolDomain').map(([, domain]) => {
    const { Domain, UserPoolId } = resolver.resolve(domain.Properties ?? {}) as {
      Domain: string;
      UserPoolId: string;
    };
    const issuer = issuers.get(`https://cognito-idp.${resolver.env.region}.amazonaws.com/${UserPoolId}`);
    if (!issuer) throw new Error(`No local issuer for the pool of domain ${Domain}`);
    const clients = resolver
      .resourcesOfType('AWS::Cognito::UserPoolClient')
      .map(([id, resource]) => ({
        id,
        properties: resolver.resolve(resource.Properties ?? {}) as ClientProperties,
      }))
      .filter(
        ({ properties }) =>
          properties.UserPoolId === UserPoolId && properties.AllowedOAuthFlows?.includes('code'),
      )
      .map(({ id, properties }): ManagedLoginClient => {
        const units = properties.TokenValidityUnits ?? {};
        const seconds = (value: number | undefined, unit: string | undefined, fallback: number) =>
          value === undefined ? fallback : value * (VALIDITY_UNIT_SECONDS[unit ?? ''] ?? 1);
        return localizeAppUrls(
          resolver,
          {
            clientId: resolver.ref(id),
            callbackUrls: properties.CallbackURLs ?? [],
            logoutUrls: properties.LogoutURLs ?? [],
            scopes: properties.AllowedOAuthScopes ?? [],
            // Cognito's defaults: access tokens 1 hour, refresh tokens 30 days.
            accessTokenSeconds: seconds(properties.AccessTokenValidity, units.AccessToken ?? 'hours', 3600),
            refreshTokenSeconds: seconds(
              properties.RefreshTokenValidity,
              units.RefreshToken ?? 'days',
              30 * 86_400,
            ),
          },
          appUrl,
        );
      });
    return new LocalManagedLogin(issuer, `${awsBase}/managed-login/${Domain}`, clients);
  });
}

interface ClientProperties {
  UserPoolId: string;
  AllowedOAuthFlows?: string[];
  AllowedOAuthScopes?: string[];
  CallbackURLs?: string[];
  LogoutURLs?: string[];
  AccessTokenValidity?: number;
  RefreshTokenValidity?: number;
  TokenValidityUnits?: { AccessToken?: string; RefreshToken?: string };
}
