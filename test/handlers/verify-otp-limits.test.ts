import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { codeMac } from '../domain/fake-code-hasher.ts';
import { DRIVER_ID, OTP_CODE, otpRecord, PARCEL_ID } from '../support/fixtures.ts';
import { answerGenerateMac, HASH_KEY_ARN, handlerTest, structured, TABLE } from './support.ts';

// The wrong-code caps are the brute-force limit: this file sets them to values other than the contract's
// defaults, so a handler that ignored its environment (and fell back to 5 and 10) would fail here.

type Handler = typeof import('../../lambdas/verify-otp/handler.ts')['handler'];

const PER_CODE = 3;
const PER_PARCEL = 4;
const WRONG = '135790';
// 2026-12-01 14:00 in Berlin, on the delivery day.
const NOW = new Date('2026-12-01T13:00:00Z');

const ddb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);

const t = handlerTest<Handler>(
  'verify-otp',
  {
    OTP_TABLE_NAME: TABLE,
    OTP_HASH_KEY_ARN: HASH_KEY_ARN,
    MAX_WRONG_ATTEMPTS_PER_CODE: String(PER_CODE),
    MAX_WRONG_ATTEMPTS_PER_PARCEL: String(PER_PARCEL),
  },
  { mocks: [ddb, kms], now: NOW },
);

beforeEach(() => {
  answerGenerateMac(kms);
});

/** The stored record: the hash of the right code, bound to DRIVER_ID, open until the end of the day. */
const stored = (overrides: Partial<OtpRecord> = {}) =>
  otpRecord({ codeHash: codeMac(PARCEL_ID, OTP_CODE), ...overrides });

const conditionFailed = (item: OtpRecord) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    Item: toItem(item),
  });

/** The driver's verify request for `code`, as API Gateway passes it after the JWT authorizer. */
function verifyRequest(code: string): APIGatewayProxyEventV2WithJWTAuthorizer {
  const path = `/parcels/${PARCEL_ID}/verify`;
  return {
    version: '2.0',
    routeKey: 'POST /parcels/{parcelId}/verify',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { parcelId: PARCEL_ID },
    isBase64Encoded: false,
    body: JSON.stringify({ code }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'driver-app/1.0',
      },
      requestId: 'req-1',
      routeKey: 'POST /parcels/{parcelId}/verify',
      stage: '$default',
      time: '01/Dec/2026:13:00:00 +0000',
      timeEpoch: NOW.getTime(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: { sub: DRIVER_ID, token_use: 'access' }, scopes: null },
      },
    },
  };
}

async function verify(code: string) {
  const result = structured(await t.handler(verifyRequest(code), t.context));
  return { statusCode: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
}

describe('verify-otp handler: configured wrong-code caps', () => {
  it('uses caps other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(PER_CODE).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default);
    expect(PER_PARCEL).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default);
  });

  it('checks the verify write against MAX_WRONG_ATTEMPTS_PER_CODE and MAX_WRONG_ATTEMPTS_PER_PARCEL', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(stored({ status: 'VERIFIED' })) });

    // Act
    const response = await verify(OTP_CODE);

    // Assess
    expect(response.statusCode).toBe(200);
    const [write] = ddb.commandCalls(UpdateItemCommand);
    expect(write?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':max': { N: String(PER_CODE) },
      ':parcelMax': { N: String(PER_PARCEL) },
    });
  });

  it('counts the tries left of a code from MAX_WRONG_ATTEMPTS_PER_CODE', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(stored({ wrongAttempts: 1, totalWrongAttempts: 1 })))
      .resolvesOnce({ Attributes: toItem(stored({ wrongAttempts: 2, totalWrongAttempts: 2 })) });

    // Act
    const response = await verify(WRONG);

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatchObject({ code: 'WRONG_CODE', attemptsRemaining: PER_CODE - 2 });
  });

  it('locks the code at MAX_WRONG_ATTEMPTS_PER_CODE wrong codes, even for the right code', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed(stored({ wrongAttempts: PER_CODE })));

    // Act
    const response = await verify(OTP_CODE);

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });

  it('locks the parcel at MAX_WRONG_ATTEMPTS_PER_PARCEL wrong codes across all of its codes', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejects(conditionFailed(stored({ wrongAttempts: 0, totalWrongAttempts: PER_PARCEL })));

    // Act
    const response = await verify(OTP_CODE);

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });
});
