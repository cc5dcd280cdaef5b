import { describe, expect, it } from 'vitest';
import { RequestErrors, VERIFY_ROUTE } from '../../lambdas/contracts/http/routes.ts';
import { SmsRejectedError, StoreThrottledError } from '../../lambdas/domain/errors.ts';
import { BadRequestError } from '../../lambdas/shared/http.ts';
import { errorMiddlewareTest } from './support.ts';

const middleware = errorMiddlewareTest();

/** What a handler of the verify route that throws `error` answers, its body parsed. */
async function answerTo(error: unknown) {
  const result = await middleware.answerThrough(VERIFY_ROUTE, error);
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
    const [line] = middleware.output.lines().map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toMatchObject({ level: 'WARN', errorName: 'StoreThrottledError' });
    expect(middleware.output.text()).not.toContain('secure-delivery-otp');
  });

  it('logs the AWS request id of the failed call a typed error wraps, and nothing of its message', async () => {
    // Prepare
    const cause = Object.assign(new Error('throttled on table secure-delivery-otp'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { requestId: 'DDB-REQUEST-7' },
    });

    // Act
    await answerTo(new StoreThrottledError('throttled on table secure-delivery-otp', { cause }));

    // Assess
    const [line] = middleware.output.lines().map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toMatchObject({
      level: 'WARN',
      errorName: 'StoreThrottledError',
      awsRequestId: 'DDB-REQUEST-7',
    });
    expect(middleware.output.text()).not.toContain('secure-delivery-otp');
  });

  it('answers an unknown error 500 without details and logs its name, never its message', async () => {
    // Act
    const response = await answerTo(new TypeError('code 482913 for erika@example.com'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error' });
    const [line] = middleware.output.lines().map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(line).toMatchObject({ level: 'ERROR', errorName: 'TypeError' });
    expect(middleware.output.text()).not.toContain('482913');
    expect(middleware.output.text()).not.toContain('erika');
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
