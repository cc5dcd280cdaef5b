import { randomUUID } from 'node:crypto';
import {
  request as httpRequest,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { AwsJsonError, type AwsProtocol, readBody, sendJson, sendProtocolError } from './aws-protocol.ts';
import type { RouteRequest } from './aws-routes.ts';
import { answerOperation, type Operation } from './aws-server.ts';
import { classifyAwsRequest, type EmulatedService, otherServiceMessage } from './aws-services.ts';
import type { Denial, SandboxIam } from './iam.ts';
import { AWS_JSON_AUTHORIZATION, dynamodbAuthorization } from './iam-actions.ts';
import type { AuthenticationFailure, Caller } from './iam-authentication.ts';
import { sesAuthorization, sesV2Authorization, sesV2Operation } from './iam-ses-actions.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** What the one AWS endpoint answers from. */
export interface AwsEndpointOptions {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  /** The in-process JSON-protocol operations, by X-Amz-Target. */
  readonly operations: Readonly<Record<string, Operation>>;
  /** Operations AWS takes unsigned (a user pool's sign-in), by X-Amz-Target: neither authenticated nor authorized. */
  readonly unsignedOperations?: Readonly<Record<string, Operation>>;
  /** Where the emulators the endpoint relays to listen (loopback, not published). */
  readonly backends: { readonly dynamodb: string; readonly ses: string };
  /** The DynamoDB operations its emulator answers (any other is named as not implemented). */
  readonly dynamodbOperations: readonly string[];
  /** The sandbox's own routes (unsigned): true when one answered. */
  readonly routes: (route: RouteRequest) => Promise<boolean>;
  /** The endpoint's own base URL. */
  readonly baseUrl: string;
}

type Family = 'json' | 'query' | 'rest';

/** Each authentication failure's error code and status, per protocol family, as AWS answers them. */
const AUTHENTICATION_ERRORS: Record<Family, Record<AuthenticationFailure, [string, number]>> = {
  json: {
    MissingAuthenticationToken: ['MissingAuthenticationTokenException', 400],
    IncompleteSignature: ['IncompleteSignatureException', 400],
    UnrecognizedClient: ['UnrecognizedClientException', 400],
    InvalidSignature: ['InvalidSignatureException', 400],
  },
  query: {
    MissingAuthenticationToken: ['MissingAuthenticationToken', 403],
    IncompleteSignature: ['IncompleteSignature', 403],
    UnrecognizedClient: ['InvalidClientTokenId', 403],
    InvalidSignature: ['SignatureDoesNotMatch', 403],
  },
  rest: {
    MissingAuthenticationToken: ['MissingAuthenticationTokenException', 403],
    IncompleteSignature: ['IncompleteSignatureException', 403],
    UnrecognizedClient: ['UnrecognizedClientException', 403],
    InvalidSignature: ['InvalidSignatureException', 403],
  },
};

const familyOf = (protocol: AwsProtocol): Family =>
  protocol === 'query' ? 'query' : protocol.startsWith('json') ? 'json' : 'rest';

const SES_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';
const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * The one AWS endpoint: tells the service apart as AWS does (`aws-services.ts`), authenticates every
 * request (SigV4 with a key the sandbox issued), authorizes it with IAM, then answers in-process (the
 * operation table), relays it (DynamoDB, SES) or hands an unsigned request to the sandbox's routes.
 */
export function createAwsEndpoint(options: AwsEndpointOptions): RequestListener {
  return (request, response) => {
    void answer(options, request, response).catch((error: unknown) => {
      if (response.headersSent) return;
      const failure =
        error instanceof AwsJsonError
          ? error
          : new AwsJsonError('InternalFailure', 'Internal error', { statusCode: 500, cause: error });
      if (!(error instanceof AwsJsonError))
        options.log.line('aws', `request failed: ${(error as Error).name}`);
      sendProtocolError(response, 'json-1.1', failure);
    });
  };
}

async function answer(options: AwsEndpointOptions, request: IncomingMessage, response: ServerResponse) {
  const body = await readBody(request);
  const kind = classifyAwsRequest(request);
  switch (kind.kind) {
    case 'json':
      return jsonRequest(options, { request, response, body }, kind.service, kind.target);
    case 'ses':
      return sesRequest(options, { request, response, body }, kind.version);
    case 'sts':
      return stsRequest(options, { request, response, body });
    case 'other-service':
      return sendProtocolError(
        response,
        kind.protocol,
        new AwsJsonError('UnknownServiceException', otherServiceMessage(kind.service)),
      );
    case 'route': {
      const url = new URL(request.url ?? '/', options.baseUrl);
      if (await options.routes({ request, response, body, url })) return;
      return unrouted(request, response, body);
    }
  }
}

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly body: Buffer;
}

/** Authenticates the request; on failure answers in the protocol's shape and returns undefined. */
async function callerOf(
  options: AwsEndpointOptions,
  { request, response, body }: Exchange,
  protocol: AwsProtocol,
  namespace?: string,
): Promise<Caller | undefined> {
  const result = await options.iam.authenticate(request, body);
  if ('caller' in result) return result.caller;
  const [code, statusCode] = AUTHENTICATION_ERRORS[familyOf(protocol)][result.failure];
  sendProtocolError(response, protocol, new AwsJsonError(code, result.message, { statusCode }), namespace);
  return undefined;
}

/** A JSON-protocol operation: authenticated, then relayed to DynamoDB or run from the operation table. */
async function jsonRequest(
  options: AwsEndpointOptions,
  exchange: Exchange,
  service: EmulatedService,
  target: string,
): Promise<void> {
  const { response, body } = exchange;
  const unsigned = options.unsignedOperations?.[target];
  if (unsigned) return answerOperation(response, target, unsigned, body, options.log);
  const caller = await callerOf(options, exchange, service.protocol);
  if (!caller) return;
  const operationName = target.slice(target.indexOf('.') + 1);
  const notImplemented = (implemented: readonly string[]) =>
    sendProtocolError(
      response,
      service.protocol,
      new AwsJsonError(
        'UnknownOperationException',
        `The sandbox does not implement ${service.name} ${operationName}. It implements: ${implemented.join(', ') || 'no operation'}.`,
      ),
    );
  if (service.targetPrefix === 'DynamoDB_20120810') {
    if (!options.dynamodbOperations.includes(operationName))
      return notImplemented(options.dynamodbOperations);
    // DynamoDB itself answers a body that is not JSON.
    const parsed = jsonBodyOr(body, {});
    const denial = await options.iam.authorizeCaller(
      caller,
      dynamodbAuthorization(target, parsed, options.resolver),
    );
    if (denial) return sendProtocolError(response, 'json-1.0', accessDenied(denial));
    return relay(options.backends.dynamodb, exchange);
  }
  const operation = options.operations[target];
  if (!operation)
    return notImplemented(
      [...Object.keys(options.operations), ...Object.keys(options.unsignedOperations ?? {})]
        .filter((candidate) => candidate.startsWith(`${service.targetPrefix}.`))
        .map((candidate) => candidate.slice(candidate.indexOf('.') + 1)),
    );
  await answerOperation(
    response,
    target,
    async (parsed) => {
      const named = AWS_JSON_AUTHORIZATION[target]?.(parsed, options.resolver) ?? [];
      // A request naming no resource is authorized on `*`, as AWS does (a grant on ARNs does not cover it).
      const requests =
        named.length > 0 ? named : [{ action: `${service.iamPrefix}:${operationName}`, resource: '*' }];
      const denial = await options.iam.authorizeCaller(caller, requests);
      if (denial) throw accessDenied(denial);
      return operation(parsed);
    },
    body,
    options.log,
  );
}

const accessDenied = (denial: Denial) => new AwsJsonError('AccessDeniedException', denial.message);

/** SES v1 (query protocol) or v2 (REST-JSON): authenticated and authorized, then relayed to the emulator. */
async function sesRequest(
  options: AwsEndpointOptions,
  exchange: Exchange,
  version: 'v1' | 'v2',
): Promise<void> {
  const { request, response, body } = exchange;
  const protocol: AwsProtocol = version === 'v1' ? 'query' : 'rest-json';
  const caller = await callerOf(options, exchange, protocol, SES_NAMESPACE);
  if (!caller) return;
  if (version === 'v1') {
    const form = new URLSearchParams(body.toString('utf8'));
    const denial = await options.iam.authorizeCaller(caller, sesAuthorization(form, options.resolver));
    if (denial)
      return sendProtocolError(
        response,
        'query',
        new AwsJsonError(
          'AccessDenied',
          `User \`${denial.principal}' is not authorized to perform \`${denial.action}' on resource \`${denial.resource}'`,
          { statusCode: 403 },
        ),
        SES_NAMESPACE,
      );
    return relay(options.backends.ses, exchange);
  }
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const operation = sesV2Operation(method, path);
  if (!operation)
    return sendProtocolError(
      response,
      'rest-json',
      new AwsJsonError(
        'UnknownOperationException',
        `The sandbox does not implement SES v2 ${method} ${path}.`,
      ),
    );
  // SES answers a body that is not JSON itself.
  const parsed = jsonBodyOr(body, {});
  const denial = await options.iam.authorizeCaller(
    caller,
    sesV2Authorization(operation, parsed, options.resolver),
  );
  if (denial)
    return sendProtocolError(
      response,
      'rest-json',
      new AwsJsonError('AccessDeniedException', denial.message, { statusCode: 403 }),
    );
  return relay(options.backends.ses, exchange);
}

/** STS's `GetCallerIdentity` (which needs no permission): who the signature says the caller is. */
async function stsRequest(options: AwsEndpointOptions, exchange: Exchange): Promise<void> {
  const { response, body } = exchange;
  const caller = await callerOf(options, exchange, 'query', STS_NAMESPACE);
  if (!caller) return;
  const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
  if (action !== 'GetCallerIdentity')
    return sendProtocolError(
      response,
      'query',
      new AwsJsonError('InvalidAction', `The sandbox does not implement STS ${action || '(no Action)'}.`),
      STS_NAMESPACE,
    );
  const account = options.resolver.env.accountId;
  const userId =
    caller.kind === 'role'
      ? `AROA${caller.roleId
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 17)}:${caller.principal.split('/').pop()}`
      : `AIDA${caller.userName
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')
          .slice(0, 17)}`;
  const text = `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}"><GetCallerIdentityResult><Arn>${caller.principal}</Arn><UserId>${userId}</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  response.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** An unsigned request no route took: AWS's missing-signature answer for an API call, else 404. */
function unrouted(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const isQuery =
    request.method === 'POST' &&
    String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') &&
    new URLSearchParams(body.toString('utf8')).has('Action');
  if (isQuery || path.startsWith('/v2/email/')) {
    const [code, statusCode] = AUTHENTICATION_ERRORS[isQuery ? 'query' : 'rest'].MissingAuthenticationToken;
    sendProtocolError(
      response,
      isQuery ? 'query' : 'rest-json',
      new AwsJsonError(code, 'Request is missing Authentication Token', { statusCode }),
    );
    return;
  }
  sendJson(response, 404, { message: 'Not Found' });
}

/** Sends the request on to an emulator on loopback and pipes its answer back. */
export function relay(backend: string, { request, response, body }: Exchange): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(request.url ?? '/', backend);
    const upstream = httpRequest(
      url,
      {
        method: request.method,
        // Headers the emulators use among themselves never come from outside.
        headers: {
          ...Object.fromEntries(
            Object.entries(request.headers).filter(([name]) => !name.startsWith('x-sandbox-')),
          ),
          host: url.host,
        },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', () => resolve());
        answer.on('error', () => resolve());
      },
    );
    upstream.on('error', () => {
      if (!response.headersSent) sendJson(response, 502, { message: 'The emulator did not answer' });
      else response.end();
      resolve();
    });
    upstream.end(body);
  });
}

/** The request body as a JSON object, or `fallback` when it is not JSON (the service behind answers that). */
function jsonBodyOr(body: Buffer, fallback: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return fallback;
  }
}
