import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:http';
import { sendJson } from './aws-protocol.ts';
import { applyCors, type HttpApiCors } from './http-api/cors.ts';
import { authorizeJwt, JwtAuthorizerError, tokenScopes } from './http-api/jwt-authorizer.ts';
import type { LocalJwtIssuer } from './http-api/jwt-issuer.ts';
import { type AuthorizerInput, buildEventV2, toHttpResponse } from './http-api/payload-v2.ts';
import { matchRoute } from './http-api/route-match.ts';
import { checkSigV4Header, type IamCredentials, SigV4Error, verifySigV4 } from './http-api/sigv4.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** HTTP API's request payload quota (10 MB): a larger body is refused with 413 before any integration runs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload quota: a larger event never reaches the function. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** HTTP API's default (and largest) integration timeout. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;
/** What the integration "returns" when it outlasts its timeout (no function result can equal it). */
const TIMED_OUT: unique symbol = Symbol('integration timed out');

/** Reads the body up to `limit` bytes; over it, discards the rest and returns undefined. */
async function readBodyUpTo(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

interface ApiRoute {
  readonly routeKey: string;
  readonly functionId: string;
  /** The integration's `TimeoutInMillis` (API Gateway answers 503 when the function takes longer). */
  readonly timeoutMs: number;
  readonly authorizer?: {
    readonly issuer: string;
    readonly audiences: string[];
    readonly local: LocalJwtIssuer;
    /** The route's `AuthorizationScopes`; empty when it sets none. */
    readonly scopes: string[];
  };
  readonly iam?: boolean;
}

/**
 * API Gateway HTTP API from the template: each `AWS::ApiGatewayV2::Route` is mapped to the Lambda its
 * integration names, called with the payload 2.0 event; JWT authorizers are enforced against the local
 * issuer standing in for their Cognito pool, so a missing or bad token gets 401, and a token without one of
 * the route's `AuthorizationScopes` 403, before any handler runs.
 */
export function createHttpApiServer(options: {
  resolver: TemplateResolver;
  invoke: (functionId: string, event: unknown) => Promise<unknown>;
  issuers: ReadonlyMap<string, LocalJwtIssuer>;
  /** Credentials whose SigV4 signatures AWS_IAM routes accept. */
  iam: IamCredentials;
  /** The IAM user name those credentials stand for, as `requestContext.authorizer.iam` reports it; `api-caller` by default. */
  iamUserName?: string;
  log: SandboxLog;
  /** The API's `CorsConfiguration`, resolved (the sandbox names its local app origin in it). */
  cors?: HttpApiCors;
}): Server {
  const { resolver, log } = options;
  const [apiId] = resolver.resourcesOfType('AWS::ApiGatewayV2::Api').map(([id]) => id);
  const routes: ApiRoute[] = resolver.resourcesOfType('AWS::ApiGatewayV2::Route').map(([, resource]) => {
    const route = resolver.resolve(resource.Properties ?? {}) as {
      RouteKey: string;
      Target?: string;
      AuthorizationType?: string;
      AuthorizerId?: string;
      AuthorizationScopes?: string[];
    };
    const integration = resolver.resolve(
      resolver.resource(String(route.Target).replace(/^integrations\//, '')).Properties ?? {},
    ) as { IntegrationUri: string; TimeoutInMillis?: number };
    const functionId = resolver.logicalIdOf(String(integration.IntegrationUri));
    if (!functionId) throw new Error(`Route ${route.RouteKey} integrates no template function`);
    const timeoutMs = integration.TimeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
    if (route.AuthorizationType === 'AWS_IAM')
      return { routeKey: route.RouteKey, functionId, timeoutMs, iam: true };
    if (route.AuthorizationType !== 'JWT') return { routeKey: route.RouteKey, functionId, timeoutMs };
    const authorizer = resolver.resolve(resolver.resource(String(route.AuthorizerId)).Properties ?? {}) as {
      JwtConfiguration: { Audience: string[]; Issuer: string };
    };
    const local = options.issuers.get(authorizer.JwtConfiguration.Issuer);
    if (!local) throw new Error(`No local issuer stands in for ${authorizer.JwtConfiguration.Issuer}`);
    return {
      routeKey: route.RouteKey,
      functionId,
      timeoutMs,
      authorizer: {
        issuer: local.issuerUrl,
        audiences: authorizer.JwtConfiguration.Audience,
        local,
        scopes: route.AuthorizationScopes ?? [],
      },
    };
  });
  const routeKeys = routes.map((route) => route.routeKey);

  return createServer((request, response) => {
    void (async () => {
      const started = Date.now();
      const url = new URL(request.url ?? '/', 'http://sandbox');
      const method = request.method ?? 'GET';
      let status = 500;
      try {
        // With CORS configured, API Gateway answers preflights before routing.
        if (applyCors(options.cors, request, response)) {
          status = 204;
          return;
        }
        // API Gateway's order: route, then authorizer, then the payload quota; none needs the body but the last.
        const match = matchRoute(routeKeys, method, url.pathname);
        const route = match && routes.find((candidate) => candidate.routeKey === match.routeKey);
        if (!match || !route) {
          status = 404;
          sendJson(response, 404, { message: 'Not Found' });
          return;
        }
        const refuse = (code: number, message: string) => {
          status = code;
          sendJson(response, code, { message });
        };
        const sigV4Request = {
          method,
          // The path as sent: SigV4 canonicalizes the raw path, not the URL parser's normalized one.
          path: (request.url ?? '/').split('?')[0] ?? '/',
          query: url.searchParams,
          headers: request.headers,
        };
        if (route.iam) {
          try {
            checkSigV4Header(sigV4Request, options.iam, resolver.env.region);
          } catch (error) {
            if (!(error instanceof SigV4Error)) throw error;
            return refuse(403, 'Forbidden');
          }
        }
        let authorizer: AuthorizerInput | undefined;
        if (route.authorizer) {
          try {
            const claims = await authorizeJwt(request.headers.authorization, {
              issuer: route.authorizer.issuer,
              audiences: route.authorizer.audiences,
              jwks: route.authorizer.local.jwks(),
              scopes: route.authorizer.scopes,
            });
            const scopes = route.authorizer.scopes.length > 0 ? tokenScopes(claims) : null;
            authorizer = { jwt: { claims, scopes } };
          } catch (error) {
            if (!(error instanceof JwtAuthorizerError)) throw error;
            // A bad token is 401; a good one without the route's scopes is 403, as API Gateway answers.
            status = error.status;
            sendJson(
              response,
              status,
              { message: status === 403 ? 'Forbidden' : 'Unauthorized' },
              'application/json',
            );
            return;
          }
        }
        const body = await readBodyUpTo(request, MAX_PAYLOAD_BYTES);
        if (!body) return refuse(413, 'Request Entity Too Large');
        if (route.iam) {
          try {
            const { accessKeyId } = await verifySigV4(
              { ...sigV4Request, body },
              options.iam,
              resolver.env.region,
            );
            authorizer = {
              iam: iamContext(accessKeyId, resolver.env.accountId, options.iamUserName ?? 'api-caller'),
            };
          } catch (error) {
            if (!(error instanceof SigV4Error)) throw error;
            return refuse(403, 'Forbidden');
          }
        }
        const event = buildEventV2({
          method,
          rawPath: url.pathname,
          rawQueryString: url.search.replace(/^\?/, ''),
          headers: request.headers,
          body,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          route: match,
          apiId: apiId ?? 'sandbox',
          accountId: resolver.env.accountId,
          domainName: (request.headers.host ?? '127.0.0.1').replace(/:\d+$/, ''),
          ...(authorizer ? { authorizer } : {}),
        });
        if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) {
          log.line(
            'http',
            `${route.routeKey}: event over Lambda's 6 MB invoke payload (RequestEntityTooLargeException)`,
          );
          return refuse(413, 'Request Entity Too Large');
        }
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), route.timeoutMs);
        });
        let result: unknown;
        try {
          result = await Promise.race([options.invoke(route.functionId, event), timedOut]);
        } catch {
          // API Gateway hides the function's error: a 500 with a fixed body.
          return refuse(500, 'Internal Server Error');
        } finally {
          clearTimeout(timer);
        }
        if (result === TIMED_OUT) {
          log.line('http', `${route.routeKey}: integration timed out after ${route.timeoutMs} ms`);
          return refuse(503, 'Service Unavailable');
        }
        const mapped = toHttpResponse(result);
        status = mapped.statusCode;
        response.writeHead(mapped.statusCode, {
          ...mapped.headers,
          ...(mapped.cookies.length > 0 ? { 'set-cookie': mapped.cookies } : {}),
          'apigw-requestid': randomUUID(),
        });
        response.end(mapped.body);
      } catch {
        status = 500;
        if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      } finally {
        log.line('http', `${method} ${url.pathname} -> ${status} (${Date.now() - started} ms)`);
      }
    })();
  });
}

/** `requestContext.authorizer.iam` for a caller signing with the sandbox's caller key, as IAM user `userName`. */
function iamContext(accessKey: string, accountId: string, userName: string) {
  // IAM user ids start with AIDA; derived from the name so each caller keeps one id.
  const userId = `AIDASANDBOX${userName.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  return {
    accessKey,
    accountId,
    callerId: userId,
    cognitoIdentity: null,
    principalOrgId: '',
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    userId,
  };
}
