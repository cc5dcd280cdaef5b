import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-code-item.ts';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { tableAccess } from '../../lambdas/contracts/table-access.ts';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { codeMac } from '../domain/fake-code-hasher.ts';
import { otpRecord, RECIPIENT_EMAIL } from '../support/fixtures.ts';
import {
  answerGenerateMac,
  HASH_KEY_ARN,
  type HandlerTest,
  handlerTest,
  structured,
  TABLE,
} from './support.ts';

type Handler = typeof import('../../lambdas/verify-otp/handler.ts')['handler'];

const PARCEL = 'PCL-789';
/** The carrier's own id of the driver, in the access token's driver-id claim. */
const DRIVER = 'driver-1';
/** Cognito's generated user id: never the driver id. */
const SUB = '5b1f3c7a-93d2-4e0b-a6f8-2c4d9e1b7a30';
const DRIVER_ID_CLAIM = ENVIRONMENT.DRIVER_ID_CLAIM.default;
const CODE = '482913';
const WRONG = '135790';
const CODE_HASH = codeMac(PARCEL, CODE);
const WRONG_HASH = codeMac(PARCEL, WRONG);
// 2026-12-01 14:00 in Berlin, on the delivery day.
const NOW = new Date('2026-12-01T13:00:00Z');

const ddb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);

const t = handlerTest<Handler>(
  'verify-otp',
  {
    MAX_WRONG_ATTEMPTS_PER_CODE: '5',
    MAX_WRONG_ATTEMPTS_PER_PARCEL: '10',
    POWERTOOLS_METRICS_NAMESPACE: 'SecureDelivery',
  },
  { mocks: [ddb, eventBridge, secrets, kms], now: NOW },
);
/** Codes and hashes that must never reach a log line or a response body. */
const SECRETS = [CODE, WRONG, '97531', '٤٨٢٩١٣', '４８２９１３', CODE_HASH, WRONG_HASH];
/** Response bodies of the running test. */
let responseBodies: string[] = [];

beforeEach(() => {
  answerGenerateMac(kms);
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  responseBodies = [];
});

afterEach(() => {
  // Guard for every test: no code, hash or recipient email in the logs or in a response body.
  const logs = t.output.text();
  const bodies = responseBodies.join('\n');
  for (const secret of [...SECRETS, RECIPIENT_EMAIL]) {
    expect(logs).not.toContain(secret);
    expect(bodies).not.toContain(secret);
  }
});

function verifyEvent(
  body: string | undefined,
  options: {
    parcelId?: string;
    driverId?: string | undefined;
    isBase64Encoded?: boolean;
    claims?: Record<string, string | undefined>;
  } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const parcelId = options.parcelId ?? PARCEL;
  const claims: Record<string, string> = 'driverId' in options ? {} : { [DRIVER_ID_CLAIM]: DRIVER };
  if (options.driverId !== undefined) claims[DRIVER_ID_CLAIM] = options.driverId;
  claims.sub = SUB;
  claims.token_use = 'access';
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return {
    version: '2.0',
    routeKey: 'POST /parcels/{parcelId}/verify',
    rawPath: `/parcels/${parcelId}/verify`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { parcelId },
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(body === undefined ? {} : { body }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: {
        method: 'POST',
        path: `/parcels/${parcelId}/verify`,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'driver-app/1.0',
      },
      requestId: 'req-1',
      routeKey: 'POST /parcels/{parcelId}/verify',
      stage: '$default',
      time: '01/Dec/2026:13:00:00 +0000',
      timeEpoch: NOW.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } },
    },
  };
}

async function invoke(event: APIGatewayProxyEventV2WithJWTAuthorizer, test: HandlerTest<Handler> = t) {
  const result = structured(await test.handler(event, test.context));
  const body = JSON.parse(result.body ?? '{}') as Record<string, unknown>;
  responseBodies.push(result.body ?? '');
  return { statusCode: result.statusCode, headers: result.headers ?? {}, body, raw: result.body ?? '' };
}

const codeBody = (code: unknown) => JSON.stringify({ code });

/** A refused conditional write: verify asks for nothing back, so it carries no item. */
function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
  });
}

const VERIFY_READS: readonly string[] = tableAccess('verify-otp', 'OTP_TABLE_NAME').read ?? [];

/** What verify's projected GetItem answers for an item: the contract's attributes only, never a hash. */
function readBack(item?: OtpRecord | Record<string, AttributeValue>): {
  Item?: Record<string, AttributeValue>;
} {
  if (!item) return {};
  const raw = 'issueId' in item && typeof item.issueId === 'string' ? toItem(item as OtpRecord) : item;
  const entries = Object.entries(raw as Record<string, AttributeValue>);
  return { Item: Object.fromEntries(entries.filter(([name]) => VERIFY_READS.includes(name))) };
}

/** The verify write refused, and the item as verify's read then sees it. */
function refusedAs(item?: OtpRecord | Record<string, AttributeValue>): void {
  ddb.on(UpdateItemCommand).rejects(conditionFailed());
  ddb.on(GetItemCommand).resolves(readBack(item));
}

/** The item an Out For Delivery leaves for a parcel without a code (low value, or not issued yet). */
const placeholderFor = (driverId: string): Record<string, AttributeValue> => ({
  parcelId: { S: PARCEL },
  driverId: { S: driverId },
  boundAt: { N: String(NOW.getTime() / 1000 - 600) },
  ttl: { N: String(NOW.getTime() / 1000 + 14 * 86_400) },
});

/** The stored record: the hash of CODE, assigned to DRIVER, open until the end of the day. */
const stored = (overrides: Partial<OtpRecord> = {}) => otpRecord({ codeHash: CODE_HASH, ...overrides });

describe('verify-otp handler: malformed requests', () => {
  it.each([
    ['bad JSON', '{"code": 482913', 'MALFORMED_REQUEST'],
    ['a JSON array', '["482913"]', 'MALFORMED_REQUEST'],
    ['an empty body', '', 'MALFORMED_REQUEST'],
    ['five digits', codeBody('97531'), 'INVALID_CODE_FORMAT'],
    ['seven digits', codeBody('1234567'), 'INVALID_CODE_FORMAT'],
    ['Arabic-Indic digits', codeBody('٤٨٢٩١٣'), 'INVALID_CODE_FORMAT'],
    ['fullwidth digits', codeBody('４８２９１３'), 'INVALID_CODE_FORMAT'],
    ['a code as a number', '{"code":482913}', 'INVALID_CODE_FORMAT'],
    ['a code with spaces', codeBody(' 482913 '), 'INVALID_CODE_FORMAT'],
    ['no code', '{}', 'INVALID_CODE_FORMAT'],
    [
      'nine fields',
      JSON.stringify({ code: '482913', a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 }),
      'MALFORMED_REQUEST',
    ],
  ])('answers 400 for %s, without touching the store or KMS', async (_label, body, code) => {
    // Act
    const response = await invoke(verifyEvent(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body.code).toBe(code);
    expect(ddb.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });

  it.each([
    ['a slash', 'PCL/789'],
    ['65 characters', `P${'x'.repeat(64)}`],
    ['an empty id', ''],
    ['path traversal', '..'],
  ])('answers 400 INVALID_PARCEL_ID for a parcel id with %s', async (_label, parcelId) => {
    // Act
    const response = await invoke(verifyEvent(codeBody(CODE), { parcelId }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body.code).toBe('INVALID_PARCEL_ID');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 413 for a body over 1024 bytes', async () => {
    // Prepare
    const body = JSON.stringify({ code: CODE, padding: 'x'.repeat(1100) });

    // Act
    const response = await invoke(verifyEvent(body));

    // Assess
    expect(response.statusCode).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 413 for a base64 body that decodes to more than 1024 bytes', async () => {
    // Prepare
    const body = Buffer.from(JSON.stringify({ code: CODE, padding: 'é'.repeat(600) })).toString('base64');

    // Act
    const response = await invoke(verifyEvent(body, { isBase64Encoded: true }));

    // Assess
    expect(response.statusCode).toBe(413);
  });

  it('answers 401 when the token names no driver', async () => {
    // Act
    const response = await invoke(verifyEvent(codeBody(CODE), { driverId: undefined }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
    expect(ddb.calls()).toHaveLength(0);
  });

  it("answers 401 to a token without the driver-id claim even when its sub looks like a driver id: sub is Cognito's, never the carrier's", async () => {
    // Act
    const response = await invoke(
      verifyEvent(codeBody(CODE), { driverId: undefined, claims: { sub: DRIVER } }),
    );

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'The token names no driver' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it.each([
    ['an empty driver id', ''],
    ['a driver id with a slash', 'D/1'],
    ['a driver id of 129 characters', `D${'1'.repeat(128)}`],
  ])('answers 401 to a token carrying %s, and reads nothing', async (_title, driverId) => {
    // Act
    const response = await invoke(verifyEvent(codeBody(CODE), { driverId }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'The token names no driver' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it.each([
    [
      'an ID token that somehow carries the verify scope',
      { token_use: 'id', scope: 'secure-delivery/verify' },
    ],
    ['a token without token_use', { token_use: undefined }],
    ['a token_use in another case', { token_use: 'Access' }],
  ])('answers 401 with a reason for %s, and reads nothing', async (_title, claims) => {
    // Act
    const response = await invoke(verifyEvent(codeBody(CODE), { claims }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'Only an access token may verify' });
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('verify-otp handler: verification', () => {
  it('answers 200 VERIFIED after one conditional write, storing the instant the handover event carries, and calls nothing else', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ code: 'VERIFIED', parcelId: PARCEL, verifiedAt: NOW.toISOString() });
    expect(response.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    const updates = ddb.commandCalls(UpdateItemCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: PARCEL } },
      ExpressionAttributeValues: {
        ':hash': { S: CODE_HASH },
        ':driver': { S: DRIVER },
        ':max': { N: '5' },
        ':parcelMax': { N: '10' },
      },
    });
    // MAX_WRONG_ATTEMPTS_PER_PARCEL reaches the write (otp-store-contract.test.ts shows the store enforces it).
    expect(updates[0]?.args[0].input.ExpressionAttributeValues?.[':parcelMax']).toEqual({ N: '10' });
    expect(updates[0]?.args[0].input.ExpressionAttributeValues?.[':nowIso']).toEqual({
      S: NOW.toISOString(),
    });
    // The event comes from the table's stream (a pipe), not from the driver's request.
    expect(ddb.calls()).toHaveLength(1);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('hashes with one KMS GenerateMac on the configured key, reading no secret', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    const macs = kms.commandCalls(GenerateMacCommand);
    expect(macs).toHaveLength(1);
    expect(macs[0]?.args[0].input).toMatchObject({ KeyId: HASH_KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(macs[0]?.args[0].input.Message ?? []).toString('utf8')).toBe(`${PARCEL}\u0000${CODE}`);
    expect(kms.calls()).toHaveLength(1);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('answers 503 with retry-after when KMS is throttled, touching no item', async () => {
    // Prepare
    // KMS's request quota: the SDK has no class for it, only the name.
    kms
      .on(GenerateMacCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(response.body.code).toBe('TRY_AGAIN');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 422 with attemptsRemaining after a wrong code, counting it with a second conditional write', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolvesOnce({});
    ddb
      .on(GetItemCommand)
      .resolvesOnce(readBack(stored({ wrongAttempts: 1, totalWrongAttempts: 1 })))
      .resolves(readBack(stored({ wrongAttempts: 2, totalWrongAttempts: 2 })));

    // Act
    const response = await invoke(verifyEvent(codeBody(WRONG)));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.body).toEqual({ code: 'WRONG_CODE', message: 'Wrong code', attemptsRemaining: 3 });
    const updates = ddb.commandCalls(UpdateItemCommand);
    expect(updates).toHaveLength(2);
    expect(updates[0]?.args[0].input.ExpressionAttributeValues?.[':hash']).toEqual({ S: WRONG_HASH });
    expect(updates[1]?.args[0].input).toMatchObject({
      ReturnValues: 'NONE',
      ExpressionAttributeValues: { ':hash': { S: WRONG_HASH } },
    });
    // Verify never asks for an item back, and reads only what tells why it was refused: no hash.
    for (const update of updates)
      expect(update.args[0].input).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
    const read = ddb.commandCalls(GetItemCommand)[0]?.args[0].input;
    expect(Object.values(read?.ExpressionAttributeNames ?? {})).not.toContain('codeHash');
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('answers 423 with attemptsRemaining 0 for the wrong code that uses up the last try', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolvesOnce({});
    ddb
      .on(GetItemCommand)
      .resolvesOnce(readBack(stored({ wrongAttempts: 4 })))
      .resolves(readBack(stored({ wrongAttempts: 5 })));

    // Act
    const response = await invoke(verifyEvent(codeBody(WRONG)));

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });

  it('answers 423 for the right code once five wrong codes were counted, with one write', async () => {
    // Prepare
    refusedAs(stored({ wrongAttempts: 5 }));

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it.each([
    ['403 NOT_ASSIGNED for another driver', stored({ driverId: 'driver-2' }), 403, 'NOT_ASSIGNED'],
    ['409 ALREADY_VERIFIED for a used code', stored({ status: 'VERIFIED' }), 409, 'ALREADY_VERIFIED'],
    ['410 EXPIRED after the delivery day', stored({ expiresAt: NOW.getTime() / 1000 }), 410, 'EXPIRED'],
    ['410 REVOKED for a revoked code', stored({ status: 'REVOKED' }), 410, 'REVOKED'],
  ])('answers %s', async (_label, current, status, code) => {
    // Prepare
    refusedAs(current);

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.body.code).toBe(code);
    expect(response.body).not.toHaveProperty('attemptsRemaining');
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('emits one VerifyOutcome metric per request, with the outcome as dimension', async () => {
    // Prepare
    refusedAs(stored({ driverId: 'driver-2' }));

    // Act
    await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    const metricLines = t.output
      .lines()
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(metricLines).toEqual([
      expect.objectContaining({ outcome: 'NOT_ASSIGNED', VerifyOutcome: 1, service: 'verify-otp' }),
    ]);
  });

  it('answers another driver the same 403 NOT_ASSIGNED for a parcel with a code, one without, and an unknown one', async () => {
    // Prepare
    const images = [stored({ driverId: 'driver-2' }), placeholderFor('driver-2'), undefined];
    const responses: Awaited<ReturnType<typeof invoke>>[] = [];

    // Act
    for (const image of images) {
      ddb.reset();
      refusedAs(image);
      responses.push(await invoke(verifyEvent(codeBody(CODE))));
      expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(1);
    }

    // Assess
    expect(responses[0]).toMatchObject({
      statusCode: 403,
      body: { code: 'NOT_ASSIGNED', message: 'This parcel is not out for delivery with you' },
    });
    expect(responses[1]).toEqual(responses[0]);
    expect(responses[2]).toEqual(responses[0]);
  });

  it('answers 404 NOT_FOUND to the driver a parcel without a code is bound to', async () => {
    // Prepare
    refusedAs(placeholderFor(DRIVER));

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({ code: 'NOT_FOUND', message: 'No code exists for this parcel' });
  });

  it('answers 503 with retry-after when the store is throttled', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'slow down',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(response.body.code).toBe('TRY_AGAIN');
  });

  it('answers 500 without details for an unexpected store error', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error(`boom ${CODE_HASH}`), { name: 'InternalServerError' }));

    // Act
    const response = await invoke(verifyEvent(codeBody(CODE)));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error' });
  });
});

describe('verify-otp handler: secrets stay secret', () => {
  it('logs the outcome per request, but never the code, the hash or the recipient email', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolvesOnce({}).resolvesOnce({});
    ddb.on(GetItemCommand).resolves(readBack(stored()));

    // Act
    await invoke(verifyEvent(codeBody(WRONG)));
    await invoke(verifyEvent(codeBody(CODE)));
    await invoke(verifyEvent(codeBody('97531')));

    // Assess
    const lines = t.output
      .lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'Verify',
          parcelId: PARCEL,
          driverId: DRIVER,
          outcome: 'WRONG_CODE',
        }),
        expect.objectContaining({
          message: 'Verify',
          parcelId: PARCEL,
          driverId: DRIVER,
          outcome: 'VERIFIED',
        }),
      ]),
    );
    const logs = t.output.text();
    for (const secret of [CODE, WRONG, '97531', CODE_HASH, WRONG_HASH, RECIPIENT_EMAIL]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('never puts the submitted code, its hash or the recipient email into a response body', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed())
      .resolvesOnce({})
      .resolvesOnce({})
      .rejectsOnce(conditionFailed())
      .rejectsOnce(conditionFailed())
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));
    ddb
      .on(GetItemCommand)
      .resolvesOnce(readBack(stored()))
      .resolvesOnce(readBack(stored({ wrongAttempts: 1, totalWrongAttempts: 1 })))
      .resolvesOnce(readBack(stored({ status: 'VERIFIED' })))
      .resolvesOnce(readBack());
    const requests = [WRONG, CODE, CODE, CODE, CODE, '97531', '٤٨٢٩١٣', '４８２９１３'];

    // Act
    const responses = [];
    for (const code of requests) responses.push(await invoke(verifyEvent(codeBody(code))));

    // Assess
    expect(responses.map((response) => response.statusCode)).toEqual([
      422, 200, 409, 403, 503, 400, 400, 400,
    ]);
    for (const response of responses) {
      for (const secret of [...SECRETS, RECIPIENT_EMAIL]) expect(response.raw).not.toContain(secret);
    }
  });
});

// The wrong-code caps are the brute-force limit: this block loads the handler again with caps other than
// the contract's defaults, so a handler that ignored its environment (and fell back to 5 and 10) fails here.
describe('verify-otp handler: configured wrong-code caps', () => {
  const PER_CODE = 3;
  const PER_PARCEL = 4;
  const limited = handlerTest<Handler>(
    'verify-otp',
    { MAX_WRONG_ATTEMPTS_PER_CODE: String(PER_CODE), MAX_WRONG_ATTEMPTS_PER_PARCEL: String(PER_PARCEL) },
    { mocks: [ddb, kms], now: NOW },
  );
  beforeEach(() => {
    answerGenerateMac(kms);
  });
  const verify = (code: string) => invoke(verifyEvent(codeBody(code)), limited);

  it('uses caps other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(PER_CODE).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default);
    expect(PER_PARCEL).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default);
  });

  it('checks the verify write against MAX_WRONG_ATTEMPTS_PER_CODE and MAX_WRONG_ATTEMPTS_PER_PARCEL', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    const response = await verify(CODE);

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
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolvesOnce({});
    ddb
      .on(GetItemCommand)
      .resolvesOnce(readBack(stored({ wrongAttempts: 1, totalWrongAttempts: 1 })))
      .resolves(readBack(stored({ wrongAttempts: 2, totalWrongAttempts: 2 })));

    // Act
    const response = await verify(WRONG);

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatchObject({ code: 'WRONG_CODE', attemptsRemaining: PER_CODE - 2 });
  });

  it('locks the code at MAX_WRONG_ATTEMPTS_PER_CODE wrong codes, even for the right code', async () => {
    // Prepare
    refusedAs(stored({ wrongAttempts: PER_CODE }));

    // Act
    const response = await verify(CODE);

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });

  it('locks the parcel at MAX_WRONG_ATTEMPTS_PER_PARCEL wrong codes across all of its codes', async () => {
    // Prepare
    refusedAs(stored({ wrongAttempts: 0, totalWrongAttempts: PER_PARCEL }));

    // Act
    const response = await verify(CODE);

    // Assess
    expect(response.statusCode).toBe(423);
    expect(response.body).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });
});

// Drivers from an OIDC provider (DriverIdentity.oidc): the JWT authorizer checks issuer, audience, scope and
// expiry; the handler reads the provider's own driver-id claim and knows nothing of Cognito's token_use.
describe('verify-otp handler: drivers from an OIDC provider', () => {
  const CLAIM = 'employee_number';
  const oidc = handlerTest<Handler>(
    'verify-otp',
    { DRIVER_IDENTITY_PROVIDER: 'oidc', DRIVER_ID_CLAIM: CLAIM },
    { mocks: [ddb, kms], now: NOW },
  );
  beforeEach(() => {
    answerGenerateMac(kms);
  });
  /** An OIDC access token's claims as the authorizer passes them: no token_use, no client_id. */
  const oidcEvent = (claims: Record<string, string | undefined>) =>
    verifyEvent(codeBody(CODE), {
      driverId: undefined,
      claims: { token_use: undefined, iss: 'https://login.example.com', ...claims },
    });

  it('uses a claim other than the default (else this block proves nothing)', () => {
    // Assess
    expect(CLAIM).not.toBe(ENVIRONMENT.DRIVER_ID_CLAIM.default);
  });

  it('verifies as the driver its configured claim names, without a token_use', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    const response = await invoke(oidcEvent({ [CLAIM]: 'E-4711', sub: 'oidc-subject-1' }), oidc);

    // Assess
    expect(response.statusCode).toBe(200);
    const [write] = ddb.commandCalls(UpdateItemCommand);
    expect(JSON.stringify(write?.args[0].input.ExpressionAttributeValues)).toContain('E-4711');
    expect(JSON.stringify(write?.args[0].input.ExpressionAttributeValues)).not.toContain('oidc-subject-1');
  });

  it('answers 401 to a token without that claim (the default claim and sub do not count)', async () => {
    // Act
    const response = await invoke(oidcEvent({ [DRIVER_ID_CLAIM]: DRIVER, sub: DRIVER }), oidc);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'The token names no driver' });
    expect(ddb.calls()).toHaveLength(0);
  });
});
