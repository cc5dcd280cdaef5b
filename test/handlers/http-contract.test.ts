import { readFileSync } from 'node:fs';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type ErrorAnswer,
  RECIPIENT_REFUSALS,
  RESEND_ROUTE,
  ROUTES,
  type RouteContract,
} from '../../lambdas/contracts/http/routes.ts';
import * as domainErrors from '../../lambdas/domain/errors.ts';
import { answerResponse, BadRequestError } from '../../lambdas/shared/http.ts';
import { refusalResponse } from '../../lambdas/shared/recipient-request.ts';
import { errorMiddlewareTest, structured } from './support.ts';

type Schema = { allOf?: Schema[]; oneOf?: Schema[]; properties?: { code?: { enum?: string[] } } };
type Documented = { headers?: Record<string, unknown>; content: { 'application/json': { schema: Schema } } };

const openApi = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
};

/** The typed error classes of the domain, by the `name` their instances carry. */
type ErrorClass = new (...args: string[]) => Error;
const errorClasses = new Map<string, ErrorClass>(
  (Object.values(domainErrors) as unknown[])
    .filter((value): value is ErrorClass => typeof value === 'function')
    .filter((type) => type.prototype instanceof domainErrors.DomainError)
    .map((type) => [new type('x', 'y').name, type]),
);

/** The codes the document lists for a route's status, and whether it documents retry-after there. */
function documented(route: RouteContract<string>, status: number) {
  const response = openApi.paths[route.path]?.[route.method.toLowerCase()]?.responses[String(status)];
  const schemas = response ? [response.content['application/json'].schema] : [];
  const flat = (schema: Schema): Schema[] => [
    schema,
    ...[...(schema.allOf ?? []), ...(schema.oneOf ?? [])].flatMap(flat),
  ];
  const codes = schemas.flatMap(flat).flatMap((schema) => schema.properties?.code?.enum ?? []);
  return {
    exists: response !== undefined,
    codes,
    retryAfter: response?.headers?.['retry-after'] !== undefined,
  };
}

const { answerThrough } = errorMiddlewareTest();

function assessDocumented(route: RouteContract<string>, response: Exclude<APIGatewayProxyResultV2, string>) {
  const { code } = JSON.parse(String(response.body)) as { code: string };
  const status = response.statusCode ?? 0;
  const listed = documented(route, status);
  expect(listed.codes, `${route.operationId} ${status}`).toContain(code);
  expect(listed.retryAfter, `${route.operationId} ${status} retry-after`).toBe(
    response.headers?.['retry-after'] !== undefined,
  );
}

describe.each(ROUTES.map((route) => [route.operationId, route] as const))('the %s route', (_, route) => {
  it('names only typed errors the domain defines', () => {
    // Assess
    expect(Object.keys(route.errors).filter((name) => !errorClasses.has(name))).toEqual([]);
  });

  it('answers every typed error it lists, through the middleware, with a status and code the OpenAPI document lists', async () => {
    // Prepare
    const thrown = Object.keys(route.errors).map((name) => {
      const ErrorClass = errorClasses.get(name);
      if (!ErrorClass) throw new Error(`no class ${name}`);
      return new ErrorClass('detail', 'more');
    });

    // Act
    const responses = await Promise.all(thrown.map((error) => answerThrough(route, error)));

    // Assess
    for (const [index, response] of responses.entries()) {
      const answer = route.errors[thrown[index]?.name ?? ''] as ErrorAnswer;
      expect(response.statusCode).toBe(answer.status);
      assessDocumented(route, response);
    }
  });

  it('answers every malformed request and an unknown failure with a status and code the document lists', async () => {
    // Act
    const responses = await Promise.all([
      ...route.badRequests.map((answer) => answerThrough(route, new BadRequestError(answer))),
      answerThrough(route, new Error('unexpected')),
    ]);

    // Assess
    for (const response of responses) assessDocumented(route, response);
    expect(responses.at(-1)?.statusCode).toBe(500);
  });

  it('documents every refusal and its success status', () => {
    // Act
    const refusals = Object.values<ErrorAnswer>(route.refusals).map((answer) => answerResponse(answer));

    // Assess
    for (const response of refusals) assessDocumented(route, structured(response));
    expect(documented(route, route.successStatus).exists).toBe(true);
  });
});

describe('the recipient routes', () => {
  it('answer every refusal of the domain as the contract says', () => {
    // Act
    const responses = Object.entries(RECIPIENT_REFUSALS).map(([refusal, answer]) => [
      structured(refusalResponse(refusal as keyof typeof RECIPIENT_REFUSALS)).statusCode,
      answer.status,
    ]);

    // Assess
    for (const [actual, expected] of responses) expect(actual).toBe(expected);
  });

  it('answer every email and SMS failure of a resend (retryable or not) without a 500', () => {
    // Act
    const sendErrors = [...errorClasses.keys()].filter((name) => /^(Email|Sms)/.test(name));

    // Assess
    expect(sendErrors.filter((name) => !(name in RESEND_ROUTE.errors))).toEqual([]);
  });
});
