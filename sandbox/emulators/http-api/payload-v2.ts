/**
 * API Gateway HTTP API building blocks: the Lambda payload format 2.0 request event, and the mapping of a
 * 2.0 Lambda result to an HTTP response (route selection is `route-match.ts`).
 *
 * Sources: "Working with routes for HTTP APIs" and "Working with AWS Lambda proxy integrations for HTTP APIs"
 * (API Gateway developer guide). Where AWS does not document a detail, the choice is noted next to the code.
 */
import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';
import { decode, type RouteMatch } from './route-match.ts';

/** `requestContext.authorizer` as the caller supplies it (JWT claims may hold any JSON values). */
export type AuthorizerInput =
  | { jwt: { claims: Record<string, unknown>; scopes: string[] | null } }
  | { iam: APIGatewayEventRequestContextIAMAuthorizer['iam'] };

/** `requestContext.authorizer` as API Gateway delivers it: JWT claim values are strings. */
export type AuthorizerContextV2 =
  | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
  | { iam: APIGatewayEventRequestContextIAMAuthorizer['iam'] };

/** A payload format 2.0 event; assignable to `APIGatewayProxyEventV2`, with the authorizer context typed. */
export type HttpApiEventV2 = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: AuthorizerContextV2 }
>;

/** Input of {@link buildEventV2}: the request as the HTTP server received it, plus the API's identity. */
export interface BuildEventV2Input {
  method: string;
  /** The request path as sent, without query string. */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQueryString: string;
  /** Node's `IncomingMessage.headers` (any case; arrays for repeated headers). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  route: RouteMatch;
  apiId: string;
  /** Default `$default`. */
  stage?: string;
  accountId: string;
  /** e.g. `abc123.execute-api.localhost`; its first label becomes `domainPrefix`. */
  domainName: string;
  authorizer?: AuthorizerInput;
  /** Request time in epoch milliseconds; defaults to now (tests pin it). */
  timeEpoch?: number;
}

/**
 * Builds the Lambda event API Gateway sends with payload format 2.0.
 *
 * Headers are lowercased and repeated values comma-joined; the `cookie` header moves to `cookies`; repeated
 * query parameters are comma-joined; `queryStringParameters`, `pathParameters`, `cookies`, `body` and
 * `requestContext.authorizer` are omitted when empty. Bodies are UTF-8 text for `text/*`, `application/json`,
 * `application/xml` and `application/javascript`, and base64 (`isBase64Encoded: true`) otherwise, including
 * when there is no content type.
 */
export function buildEventV2(input: BuildEventV2Input): HttpApiEventV2 {
  const timeEpoch = input.timeEpoch ?? Date.now();
  const { headers, cookies } = normaliseHeaders(input.headers);
  const queryStringParameters = parseQueryString(input.rawQueryString);
  const requestContext: HttpApiEventV2['requestContext'] = {
    accountId: input.accountId,
    apiId: input.apiId,
    ...(input.authorizer === undefined ? {} : { authorizer: toAuthorizerContext(input.authorizer) }),
    domainName: input.domainName,
    domainPrefix: input.domainName.split('.', 1)[0] ?? input.domainName,
    http: {
      method: input.method.toUpperCase(),
      path: input.rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: input.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: newRequestId(),
    routeKey: input.route.routeKey,
    stage: input.stage ?? '$default',
    time: formatRequestTime(timeEpoch),
    timeEpoch,
  };
  const textual = isTextualContentType(headers['content-type']);
  const event: HttpApiEventV2 = {
    version: '2.0',
    routeKey: input.route.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    requestContext,
    ...(input.body.length > 0 ? { body: input.body.toString(textual ? 'utf8' : 'base64') } : {}),
    ...(Object.keys(input.route.pathParameters).length > 0
      ? { pathParameters: { ...input.route.pathParameters } }
      : {}),
    isBase64Encoded: input.body.length > 0 && !textual,
  };
  return event;
}

function normaliseHeaders(raw: BuildEventV2Input['headers']): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const key = name.toLowerCase();
    if (key === 'cookie') {
      // Payload 2.0 delivers cookies in their own field, one entry per cookie.
      for (const header of values)
        cookies.push(
          ...header
            .split(';')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
        );
      continue;
    }
    const previous = headers[key];
    headers[key] = [...(previous === undefined ? [] : [previous]), ...values].join(',');
  }
  return { headers, cookies };
}

function parseQueryString(rawQueryString: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    // `+` stays `+`: only percent-escapes are decoded (an HTML-form convention is not assumed).
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = decode(equals === -1 ? '' : pair.slice(equals + 1));
    if (name === '') continue;
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return parameters;
}

// Observed AWS behaviour: only these are passed as text; everything else, even form posts, arrives base64.
const TEXTUAL_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
]);

function isTextualContentType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType.startsWith('text/') || TEXTUAL_TYPES.has(mediaType);
}

function toAuthorizerContext(authorizer: AuthorizerInput): AuthorizerContextV2 {
  if (!('jwt' in authorizer)) return { iam: { ...authorizer.iam } };
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(authorizer.jwt.claims)) {
    if (value !== undefined) claims[name] = stringifyClaim(value);
  }
  return { jwt: { claims, scopes: authorizer.jwt.scopes === null ? null : [...authorizer.jwt.scopes] } };
}

/**
 * Formats a claim value the way the HTTP API JWT authorizer passes it on: strings as is, numbers and booleans
 * as their text, arrays as `[a b]`. Objects and `null` are not documented; they follow the same Go-style
 * formatting (`map[k:v]`, `<nil>`), which is a best guess.
 */
export function stringifyClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map((item) => stringifyClaim(item)).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([key, item]) => `${key}:${stringifyClaim(item)}`).join(' ')}]`;
  }
  return String(value);
}

function newRequestId(): string {
  // Same shape as API Gateway's ids (e.g. `JKJaXmPLvHcESHA=`): 11 random bytes in base64.
  return randomBytes(11).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Formats epoch milliseconds as API Gateway's `requestContext.time`, e.g. `12/Mar/2020:19:03:58 +0000`. */
export function formatRequestTime(timeEpoch: number): string {
  const date = new Date(timeEpoch);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = pad(date.getUTCDate());
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}/${month}/${date.getUTCFullYear()}:${time} +0000`;
}

/** An HTTP response to write; `cookies` become one `set-cookie` header each. */
export interface HttpResponse {
  statusCode: number;
  /** Lowercased names. */
  headers: Record<string, string>;
  cookies: string[];
  body: string | Buffer;
}

const INTERNAL_ERROR: HttpResponse = {
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: '{"message":"Internal Server Error"}',
};

/**
 * Maps a Lambda result to the HTTP response API Gateway sends with payload format 2.0.
 *
 * An object with a `statusCode` key is a structured response: `statusCode`, `headers`, `body`,
 * `isBase64Encoded` (body decoded to bytes) and `cookies`. Anything else is inferred: status 200,
 * `content-type: application/json`, and the body is a string result as is or `JSON.stringify` of the rest
 * (`undefined` becomes `null`, as Lambda serialises it). A structured response with a status code outside
 * 100–599 becomes 500 `{"message":"Internal Server Error"}`, as API Gateway answers malformed integration
 * responses. Errors thrown by the handler are mapped by the server, not here.
 */
export function toHttpResponse(result: unknown): HttpResponse {
  if (typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result) {
    return structuredResponse(result as Record<string, unknown>);
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null'),
  };
}

function structuredResponse(result: Record<string, unknown>): HttpResponse {
  const statusCode = Number(result.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
    return cloneResponse(INTERNAL_ERROR);
  const headers: Record<string, string> = {};
  if (typeof result.headers === 'object' && result.headers !== null) {
    for (const [name, value] of Object.entries(result.headers as Record<string, unknown>)) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    }
  }
  const cookies = Array.isArray(result.cookies) ? result.cookies.map((cookie) => String(cookie)) : [];
  const rawBody = result.body;
  // Lenient for non-string bodies (AWS leaves it undocumented): serialise rather than fail.
  const text =
    rawBody === undefined || rawBody === null
      ? ''
      : typeof rawBody === 'string'
        ? rawBody
        : JSON.stringify(rawBody);
  const body = result.isBase64Encoded === true ? Buffer.from(text, 'base64') : text;
  return { statusCode, headers, cookies, body };
}

function cloneResponse(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers }, cookies: [...response.cookies] };
}
