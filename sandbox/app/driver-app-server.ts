/**
 * Serves the driver app on its own port, as CloudFront serves it from the bucket: the built files, a
 * `config.json` pointing at the sandbox's API and managed login, and the stack's security headers (the same
 * Content Security Policy, naming the sandbox's origins).
 */
import { createServer, type Server } from 'node:http';
import { buildDriverAppFiles } from '../../driver-app/build.ts';
import { DRIVER_APP_PERMISSIONS_POLICY, driverAppContentSecurityPolicy } from '../../driver-app/policy.ts';
import type { AppConfig } from '../../driver-app/src/config.ts';
import { LocalManagedLogin } from '../emulators/http-api/managed-login.ts';
import type { LocalOidcProvider } from '../emulators/http-api/oidc-provider.ts';

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
export function createDriverAppServer(): { server: Server; configure(config: AppConfig): void } {
  const files = buildDriverAppFiles();
  let config: AppConfig | undefined;
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
      // As the stack's policy: this API, and the issuer's discovery path and login domain (Cognito) or the
      // provider's origin (OIDC).
      const origin = (url: string) => new URL(url).origin;
      const sources = next.authDomain
        ? [origin(next.apiUrl), `${next.authority}/`, origin(next.authDomain)]
        : [origin(next.apiUrl), origin(next.authority)];
      headers = {
        'content-security-policy': driverAppContentSecurityPolicy([...new Set(sources)]),
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
 * The app's `config.json` for the sandbox: its API, and the first code-grant client of `login` (a pool's
 * managed login, or an OIDC provider, whose discovery document names every endpoint).
 */
export function driverAppConfigOf(login: LocalManagedLogin | LocalOidcProvider, apiUrl: string): AppConfig {
  const [client] = login.clients;
  if (!client) throw new Error('The sign-in has no client with the code grant');
  const signIn = { apiUrl, clientId: client.clientId, scope: client.scopes.join(' ') };
  return login instanceof LocalManagedLogin
    ? { ...signIn, authority: login.issuer.issuerUrl, authDomain: login.domainUrl }
    : { ...signIn, authority: login.issuerUrl };
}
