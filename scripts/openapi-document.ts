/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the contract (`lambdas/contracts/http/`):
 * every route, its request, every answer it gives (the handlers' and API Gateway's own) and both security
 * schemes. `npm run contracts` writes it to `docs/openapi.json`; spectral lints it in `npm test`.
 */
import { readFileSync } from 'node:fs';
import {
  type ErrorAnswer,
  INTERNAL_ERROR,
  ROUTES,
  type RouteContract,
  VERIFY_SCOPE,
} from '../lambdas/contracts/http/routes.ts';
import {
  ERROR_BODY,
  GATEWAY_ERROR_BODY,
  type JsonSchema,
  PARCEL_ID_SCHEMA,
  RECIPIENT_EMAIL_SCHEMA,
  REQUEST_BODIES,
  SUCCESS_BODIES,
} from '../lambdas/contracts/http/schemas.ts';

/** Security scheme names of the document. */
const SECURITY_SCHEMES = { jwt: 'driverAccessToken', iam: 'sigV4' } as const;

/** What API Gateway answers itself before the handler runs, per route authorization. */
interface GatewayAnswer {
  readonly status: number;
  readonly message: string;
  readonly description: string;
}

/** API Gateway's own answers on every route, whatever its authorization. */
const ON_EVERY_ROUTE: readonly GatewayAnswer[] = [
  { status: 413, message: 'Request Entity Too Large', description: 'API Gateway: a body over 10 MB' },
  {
    status: 429,
    message: 'Too Many Requests',
    description: "API Gateway: the stage's rate or burst limit is exceeded",
  },
  { status: 500, message: 'Internal Server Error', description: 'API Gateway: the function itself failed' },
  {
    status: 503,
    message: 'Service Unavailable',
    description: 'API Gateway: the function did not answer in time',
  },
];

/** API Gateway's own answers for a route (authorizer refusals, body quota, throttling, function failures). */
function gatewayAnswers(route: RouteContract<string>): GatewayAnswer[] {
  if (route.authorization.type === 'jwt') {
    return [
      {
        status: 401,
        message: 'Unauthorized',
        description: 'API Gateway: no token, or not a valid token of the drivers pool',
      },
      { status: 403, message: 'Forbidden', description: 'API Gateway: the token lacks the route scope' },
      ...ON_EVERY_ROUTE,
    ];
  }
  return [
    {
      status: 403,
      message: 'Forbidden',
      description: 'API Gateway: unsigned request, bad SigV4 signature, or no execute-api:Invoke grant',
    },
    ...ON_EVERY_ROUTE,
  ];
}

/** Every answer the route's handler can give besides its success. */
function handlerAnswers(route: RouteContract<string>): ErrorAnswer[] {
  return [
    ...route.badRequests,
    ...Object.values(route.refusals),
    ...Object.values(route.errors),
    INTERNAL_ERROR,
  ];
}

/** Region the document's server and login URLs show (the stack's default). */
const SERVER_REGION = 'eu-central-1';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const titleOf = (operationId: string) => operationId.charAt(0).toUpperCase() + operationId.slice(1);

const RETRY_AFTER_HEADER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1, maximum: 3600, format: 'int32' },
};

/**
 * One example body per answer of a status, named by its code (`MALFORMED_REQUEST`, `MALFORMED_REQUEST_2`, …;
 * API Gateway's own as `API_GATEWAY`): the contract's answers, which the linter checks against the schema.
 */
function answerExamples(
  handler: readonly ErrorAnswer[],
  gateway: readonly GatewayAnswer[],
): Record<string, { summary: string; value: Record<string, string> }> {
  const examples: Record<string, { summary: string; value: Record<string, string> }> = {};
  const add = (name: string, summary: string, value: Record<string, string>) => {
    let key = name;
    for (let n = 2; key in examples; n++) key = `${name}_${n}`;
    examples[key] = { summary, value };
  };
  for (const answer of handler) {
    add(answer.code, answer.description, {
      code: answer.code,
      ...(answer.message === undefined ? {} : { message: answer.message }),
    });
  }
  for (const answer of gateway) add('API_GATEWAY', answer.description, { message: answer.message });
  return examples;
}

function responsesOf(route: RouteContract<string>): Record<string, unknown> {
  const byStatus = new Map<number, { handler: ErrorAnswer[]; gateway: GatewayAnswer[] }>();
  const at = (status: number) => {
    const entry = byStatus.get(status) ?? { handler: [], gateway: [] };
    byStatus.set(status, entry);
    return entry;
  };
  for (const answer of handlerAnswers(route)) at(answer.status).handler.push(answer);
  for (const answer of gatewayAnswers(route)) at(answer.status).gateway.push(answer);

  const responses: Record<string, unknown> = {
    [route.successStatus]: {
      description: route.successDescription,
      content: { 'application/json': { schema: ref(`${titleOf(route.operationId)}Response`) } },
    },
  };
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const { handler, gateway } = byStatus.get(status) ?? { handler: [], gateway: [] };
    const unique = [
      ...new Map(handler.map((answer) => [`${answer.code}|${answer.message}`, answer])).values(),
    ];
    const codes = [...new Set(unique.map((answer) => answer.code))];
    const lines = [
      ...unique.map((answer) => {
        const message = answer.message === undefined ? '' : ` "${answer.message}"`;
        const retry =
          answer.retryAfterSeconds === undefined ? '' : ` (retry-after: ${answer.retryAfterSeconds})`;
        return `- \`${answer.code}\`${message}${retry}: ${answer.description}`;
      }),
      ...gateway.map((answer) => `- \`{"message":"${answer.message}"}\`: ${answer.description}`),
    ];
    const handlerSchema = { allOf: [ref('Error'), { properties: { code: { enum: codes } } }] };
    const schemas = [
      ...(unique.length ? [handlerSchema] : []),
      ...(gateway.length ? [ref('GatewayError')] : []),
    ];
    const retryAfter = unique.some((answer) => answer.retryAfterSeconds !== undefined);
    responses[status] = {
      description: lines.join('\n'),
      ...(retryAfter ? { headers: { 'retry-after': RETRY_AFTER_HEADER } } : {}),
      content: {
        'application/json': {
          schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas },
          examples: answerExamples(unique, gateway),
        },
      },
    };
  }
  return responses;
}

function operationOf(route: RouteContract<string>): Record<string, unknown> {
  const requestBody = REQUEST_BODIES[route.operationId];
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.authorization.type === 'jwt' ? 'drivers' : 'recipients'],
    security: [
      route.authorization.type === 'jwt'
        ? { [SECURITY_SCHEMES.jwt]: [...route.authorization.scopes] }
        : { [SECURITY_SCHEMES.iam]: [] },
    ],
    parameters: [
      {
        name: 'parcelId',
        in: 'path',
        required: true,
        description: "The carrier's parcel id",
        schema: PARCEL_ID_SCHEMA,
      },
      ...route.requestHeaders.map((header) => ({
        name: header.name,
        in: 'header',
        required: true,
        description: header.description,
        schema: RECIPIENT_EMAIL_SCHEMA,
      })),
    ],
    ...(route.requestBody !== 'none' && requestBody
      ? {
          requestBody: {
            required: route.requestBody === 'required',
            content: { 'application/json': { schema: ref(`${titleOf(route.operationId)}Request`) } },
          },
        }
      : {}),
    responses: responsesOf(route),
  };
}

/** The OpenAPI 3.1 document of every route in the contract. */
export function openApiDocument(): Record<string, unknown> {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  // The managed-login domain (stack output DriverLoginDomain; its prefix derived per deployment), with an example prefix.
  const login = `https://secure-delivery-drivers.auth.${SERVER_REGION}.amazoncognito.com`;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(route) };
  }
  const schemas: Record<string, JsonSchema> = { Error: ERROR_BODY, GatewayError: GATEWAY_ERROR_BODY };
  for (const route of ROUTES) {
    const request = REQUEST_BODIES[route.operationId];
    const success = SUCCESS_BODIES[route.operationId];
    if (request) schemas[`${titleOf(route.operationId)}Request`] = request;
    if (success) schemas[`${titleOf(route.operationId)}Response`] = success;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Secure Delivery API',
      version,
      description:
        'Drivers verify the handover code at the door; the shop backend shows the recipient their code and resends it. Every answer of a handler is JSON `{ code, message? }` with `cache-control: no-store`; answers API Gateway gives itself are `{ message }`. Generated from `lambdas/contracts/http/` by `npm run contracts`.',
      contact: { name: 'Secure Delivery maintainers' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: "The stack's `$default` stage (stack output VerifyApiUrl)",
        variables: {
          apiId: { default: 'abcdef1234', description: 'The HTTP API id' },
          region: { default: SERVER_REGION, description: "The stack's region" },
        },
        // Called from the internet: by the drivers' devices and by shop backends.
        'x-internal': false,
      },
    ],
    tags: [
      {
        name: 'drivers',
        description: 'Called by the drivers handheld and web app with a Cognito access token',
      },
      {
        name: 'recipients',
        description: "Called by the shop's backend with SigV4 for its signed-in customer",
      },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        [SECURITY_SCHEMES.jwt]: {
          type: 'oauth2',
          description:
            'A Cognito access token of the drivers pool, checked by the API Gateway JWT authorizer (signature, issuer, audience = app client, expiry), as RFC8725 (JWT best current practices) asks; ID tokens carry no scope and are refused. The handheld signs in with SRP, the web app with the authorization code flow and PKCE at the managed-login domain (stack output DriverLoginDomain; shown here with an example prefix and the default region).',
          flows: {
            authorizationCode: {
              authorizationUrl: `${login}/oauth2/authorize`,
              tokenUrl: `${login}/oauth2/token`,
              refreshUrl: `${login}/oauth2/token`,
              scopes: { [VERIFY_SCOPE]: 'Verify a handover code at the door' },
            },
          },
        },
        [SECURITY_SCHEMES.iam]: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (service `execute-api`) with credentials of an IAM principal granted `execute-api:Invoke` on the route (API Gateway IAM authorizer).',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
