/**
 * Serves the driver app on its own port, as CloudFront serves it from the bucket: the built files, a
 * `config.json` pointing at the sandbox's API and managed login, and the stack's security headers (the same
 * Content Security Policy, naming the sandbox's origins).
 */
import { createServer, type Server } from 'node:http';
import { buildDriverAppFiles } from '../../driver-app/build.ts';
import { DRIVER_APP_PERMISSIONS_POLICY, driverAppContentSecurityPolicy } from '../../driver-app/policy.ts';
import type { HttpApiCors } from '../emulators/http-api/cors.ts';
import type { LocalJwtIssuer } from '../emulators/http-api/jwt-issuer.ts';
import { LocalManagedLogin, type ManagedLoginClient } from '../emulators/http-api/managed-login.ts';
import type { TemplateResolver } from '../emulators/template.ts';

/** What the app's `config.json` holds (see `driver-app/src/config.ts`). */
export interface DriverAppConfig {
  readonly apiUrl: string;
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
  readonly authDomain: string;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
};

/**
 * A server for the app whose config is bound late (the API and issuer ports are known after it listens).
 * Only GET and HEAD of the app's files; everything else is 403/404 as an S3 origin answers.
 */
export function createDriverAppServer(): { server: Server; configure(config: DriverAppConfig): void } {
  const files = buildDriverAppFiles();
  let config: DriverAppConfig | undefined;
  let headers: Record<string, string> = {};
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(403, headers);
      response.end();
      return;
    }
    const contents = name === 'config.json' && config ? Buffer.from(JSON.stringify(config)) : files.get(name);
    if (!contents) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      response.end('Not Found');
      return;
    }
    response.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : contents);
  });
  return {
    server,
    configure(next) {
      config = next;
      const origins = [
        ...new Set([next.apiUrl, next.authority, next.authDomain].map((u) => new URL(u).origin)),
      ];
      headers = {
        'content-security-policy': driverAppContentSecurityPolicy(origins),
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'permissions-policy': DRIVER_APP_PERMISSIONS_POLICY,
        'cross-origin-opener-policy': 'same-origin',
      };
    },
  };
}

/**
 * The template's CloudFront distributions stand for the app server: `https://<distribution domain>` in any
 * resolved value (callback URLs, CORS origins) becomes the app's local URL.
 */
export function localizeAppUrls<T>(resolver: TemplateResolver, value: T, appUrl: string): T {
  const domains = resolver
    .resourcesOfType('AWS::CloudFront::Distribution')
    .map(([id]) => `https://${resolver.getAtt(id, 'DomainName')}`);
  const text = domains.reduce((json, domain) => json.split(domain).join(appUrl), JSON.stringify(value));
  return JSON.parse(text) as T;
}

/** The HTTP API's `CorsConfiguration`, resolved and localized; undefined when the API has none. */
export function apiCorsOf(resolver: TemplateResolver, appUrl: string): HttpApiCors | undefined {
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
  appUrl: string,
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

/** The app's `config.json` for the sandbox: its API, and the first code-grant client of `login`. */
export function driverAppConfigOf(login: LocalManagedLogin, apiUrl: string): DriverAppConfig {
  const [client] = login.clients;
  if (!client) throw new Error('The managed-login domain has no client with the code grant');
  return {
    apiUrl,
    authority: login.issuer.issuerUrl,
    clientId: client.clientId,
    scope: client.scopes.join(' '),
    authDomain: login.domainUrl,
  };
}
