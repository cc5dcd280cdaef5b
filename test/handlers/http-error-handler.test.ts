import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestErrors, VERIFY_ROUTE } from '../../lambdas/contracts/http/routes.ts';
import { SmsRejectedError, StoreThrottledError } from '../../lambdas/domain/errors.ts';
import { BadRequestError } from '../../lambdas/shared/http.ts';
import { httpErrorHandler } from '../../lambdas/shared/http-error-handler.ts';
import { lambdaHandler } from '../../lambdas/shared/runtime.ts';
import { captureOutput, lambdaContext, structured, stubCommonEnv } from './support.ts';

let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  stubCommonEnv();
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

/** A handler of the verify route that throws `error`, wrapped like every HTTP handler. */
async function answerTo(error: unknown) {
  const logger = new Logger({ serviceName: 'verify-otp' });
  const handler = lambdaHandler<unknown, APIGatewayProxyResultV2>(logger, async () => {
    throw error;
  }).use(httpErrorHandler(VERIFY_ROUTE, logger));
  const result = structured(await handler({}, lambdaContext('verify-otp')));
  return { ...result, body: JSON.parse(String(result.body)) as Record<string, unknown> };
}

describe('httpErrorHandler', () => {
  it('answers a BadRequestError with the status, code and reason of its contract answer', async () => {
    // Act
    const response = await answerTo(new BadRequestError(RequestErrors.INVALID_CODE_FORMAT));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      code: 'INVALID_CODE_FORMAT',
      message: 'code must be a string of exactly 6 digits 0-9',
    });
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });

  it("answers a typed error the route lists with the contract's status, code and retry-after, and logs its name only", async () => {
    // Act
    const response = await answerTo(new StoreThrottledError('throttled on table secure-delivery-otp'));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).toEqual({ code: 'TRY_AGAIN', message: 'Busy, try again shortly' });
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    const [line] = output.lines().map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toMatchObject({ level: 'WARN', errorName: 'StoreThrottledError' });
    expect(output.text()).not.toContain('secure-delivery-otp');
  });

  it('answers an unknown error 500 without details and logs its name, never its message', async () => {
    // Act
    const response = await answerTo(new TypeError('code 482913 for erika@example.com'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error' });
    const [line] = output.lines().map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toMatchObject({ level: 'ERROR', errorName: 'TypeError' });
    expect(output.text()).not.toContain('482913');
    expect(output.text()).not.toContain('erika');
  });

  it("answers 500 for a typed error another route lists but this route's contract does not", async () => {
    // Act
    const response = await answerTo(new SmsRejectedError('refused'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body.code).toBe('INTERNAL_ERROR');
  });

  it('answers 500 for errors named like an object key or thrown as plain values', async () => {
    // Prepare
    const prototypeNamed = Object.assign(new Error('x'), { name: 'toString' });
    const protoNamed = Object.assign(new Error('x'), { name: '__proto__' });

    // Act
    const responses = [
      await answerTo(prototypeNamed),
      await answerTo(protoNamed),
      await answerTo('a string'),
      await answerTo(undefined),
    ];

    // Assess
    expect(responses.map((response) => [response.statusCode, response.body.code])).toEqual([
      [500, 'INTERNAL_ERROR'],
      [500, 'INTERNAL_ERROR'],
      [500, 'INTERNAL_ERROR'],
      [500, 'INTERNAL_ERROR'],
    ]);
  });
});
