import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { sendJson } from './aws-protocol.ts';
import { applyCors, type HttpApiCors } from './http-api/cors.ts';
import { authorizeJwt, JwtAuthorizerError, tokenScopes } from './http-api/jwt-authorizer.ts';
import type { TokenIssuer } from './http-api/jwt-issuer.ts';
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
    readonly local: TokenIssuer;
    /** The route's `AuthorizationScopes`; empty when it sets none. */
    readonly scopes: string[];
  };
  readonly iam?: boolean;
}

/**
 * API Gateway HTTP API from the template: each `AWS::ApiGatewayV2::Route` is mapped to the Lambda its
 * integration names, called with the payload 2.0 event; JWT authorizers are enforced against the local
 * issuer standing in for their Cognito pool or OIDC provider, so a missing or bad token gets 401, and a
 * token without one of the route's `AuthorizationScopes` 403, before any handler runs.
 */
/** What {@link createHttpApiServer} serves: the template's API, its functions, issuers and IAM caller. */
export interface HttpApiOptions {
  resolver: TemplateResolver;
  invoke: (functionId: string, event: unknown) => Promise<unknown>;
  issuers: ReadonlyMap<string, TokenIssuer>;
  /** Credentials whose SigV4 signatures AWS_IAM routes accept. */
  iam: IamCredentials;
  /** The IAM user name those credentials stand for, as `requestContext.authorizer.iam` reports it; `api-caller` by default. */
  iamUserName?: string;
  log: SandboxLog;
  /** The API's `CorsConfiguration`, resolved (the sandbox names its local app origin in it). */
  cors?: HttpApiCors;
}

/** An answer API Gateway gives itself, before or instead of the integration's: status and message. */
interface Refusal {
  readonly refused: number;
  readonly message: string;
}

const refusal = (refused: number, message: string): Refusal => ({ refused, message });
const isRefusal = (value: unknown): value is Refusal =>
  typeof value === 'object' && value !== null && 'refused' in value && 'message' in value;

export function createHttpApiServer(options: HttpApiOptions): Server {
  const { resolver, log } = options;
  const [apiId] = resolver.resourcesOfType('AWS::ApiGatewayV2::Api').map(([id]) => id);
  const routes = apiRoutesOf(resolver, options.issuers);
  const routeKeys = routes.map((route) => route.routeKey);

  /** Answers one request; resolves to the status it answered with. */
  const answer = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<number> => {
    // With CORS configured, API Gateway answers preflights before routing.
    if (applyCors(options.cors, request, response)) return 204;
    const method = request.method ?? 'GET';
    // API Gateway's order: route, then authorizer, then the payload quota; none needs the body but the last.
    const match = matchRoute(routeKeys, method, url.pathname);
    const route = match && routes.find((candidate) => candidate.routeKey === match.routeKey);
    if (!match || !route) return refuse(response, refusal(404, 'Not Found'));
    const sigV4Request = {
      method,
      // The path as sent: SigV4 canonicalizes the raw path, not the URL parser's normalized one.
      path: (request.url ?? '/').split('?')[0] ?? '/',
      query: url.searchParams,
      headers: request.headers,
    };
    const authorized = await authorizeBeforeBody(route, sigV4Request, options);
    if (isRefusal(authorized)) return refuse(response, authorized);
    const body = await readBodyUpTo(request, MAX_PAYLOAD_BYTES);
    if (!body) return refuse(response, refusal(413, 'Request Entity Too Large'));
    const authorizer = route.iam
      ? await iamAuthorizer({ ...sigV4Request, body }, options)
      : authorized.authorizer;
    if (isRefusal(authorizer)) return refuse(response, authorizer);
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
    const result = await integrate(route, event, options);
    if (isRefusal(result)) return refuse(response, result);
    const mapped = toHttpResponse(result);
    response.writeHead(mapped.statusCode, {
      ...mapped.headers,
      ...(mapped.cookies.length > 0 ? { 'set-cookie': mapped.cookies } : {}),
      'apigw-requestid': randomUUID(),
    });
    response.end(mapped.body);
    return mapped.statusCode;
  };

  return createServer((request, response) => {
    void (async () => {
      const started = Date.now();
      const url = new URL(request.url ?? '/', 'http://sandbox');
      let status = 500;
      try {
        status = await answer(request, response, url);
      } catch {
        status = 500;
        if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      } finally {
        log.line(
          'http',
          `${request.method ?? 'GET'} ${url.pathname} -> ${status} (${Date.now() - started} ms)`,
        );
      }
    })();
  });
}

/** Sends API Gateway's own answer `{ message }`; returns its status. */
function refuse(response: ServerResponse, { refused, message }: Refusal): number {
  sendJson(response, refused, { message });
  return refused;
}

/** Each `AWS::ApiGatewayV2::Route` with the function its integration names, its timeout and its authorization. */
function apiRoutesOf(resolver: TemplateResolver, issuers: ReadonlyMap<string, TokenIssuer>): ApiRoute[] {
  return resolver.resourcesOfType('AWS::ApiGatewayV2::Route').map(([, resource]) => {
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
    const local = issuers.get(authorizer.JwtConfiguration.Issuer);
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
}

/** A request as SigV4 checks it, with Node's headers (the JWT authorizer reads `authorization`). */
type SigV4Request = Parameters<typeof checkSigV4Header>[0] & { readonly headers: IncomingHttpHeaders };

/**
 * The checks before the body is read: an IAM route's `Authorization` header (403), a JWT route's token
 * (401 when bad, 403 without the route's scopes, as API Gateway answers).
 */
async function authorizeBeforeBody(
  route: ApiRoute,
  request: SigV4Request,
  options: HttpApiOptions,
): Promise<{ authorizer?: AuthorizerInput } | Refusal> {
  if (route.iam) {
    try {
      checkSigV4Header(request, options.iam, options.resolver.env.region);
    } catch (error) {
      if (!(error instanceof SigV4Error)) throw error;
      return refusal(403, 'Forbidden');
    }
  }
  if (!route.authorizer) return {};
  try {
    const claims = await authorizeJwt(request.headers.authorization, {
      issuer: route.authorizer.issuer,
      audiences: route.authorizer.audiences,
      jwks: route.authorizer.local.jwks(),
      scopes: route.authorizer.scopes,
    });
    const scopes = route.authorizer.scopes.length > 0 ? tokenScopes(claims) : null;
    return { authorizer: { jwt: { claims, scopes } } };
  } catch (error) {
    if (!(error instanceof JwtAuthorizerError)) throw error;
    return refusal(error.status, error.status === 403 ? 'Forbidden' : 'Unauthorized');
  }
}

/** An IAM route's signature over the whole request, body included: the caller's `authorizer.iam`, or 403. */
async function iamAuthorizer(
  request: SigV4Request & { body: Buffer },
  options: HttpApiOptions,
): Promise<AuthorizerInput | Refusal> {
  const { accountId, region } = options.resolver.env;
  try {
    const { accessKeyId } = await verifySigV4(request, options.iam, region);
    return { iam: iamContext(accessKeyId, accountId, options.iamUserName ?? 'api-caller') };
  } catch (error) {
    if (!(error instanceof SigV4Error)) throw error;
    return refusal(403, 'Forbidden');
  }
}

/**
 * Invokes the route's function with the event, within Lambda's payload quota and the integration's
 * timeout: its result, or API Gateway's 413, 500 (the function's error hidden) or 503.
 */
async function integrate(route: ApiRoute, event: unknown, options: HttpApiOptions): Promise<unknown> {
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) {
    options.log.line(
      'http',
      `${route.routeKey}: event over Lambda's 6 MB invoke payload (RequestEntityTooLargeException)`,
    );
    return refusal(413, 'Request Entity Too Large');
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
    return refusal(500, 'Internal Server Error');
  } finally {
    clearTimeout(timer);
  }
  if (result === TIMED_OUT) {
    options.log.line('http', `${route.routeKey}: integration timed out after ${route.timeoutMs} ms`);
    return refusal(503, 'Service Unavailable');
  }
  return result;
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
