import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RESEND_PATH, TRACK_PATH, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { VERIFY_SCOPE } from '../../lambdas/contracts/http/routes.ts';
import { codeFromEmail, signedApiHeaders } from '../../sandbox/app/client.ts';
import {
  documentedStatuses,
  type HttpAnswer,
  openApiValidator,
  readOpenApiDocument,
} from '../support/published-contracts.ts';
import { writeCodeItem } from '../support/sandbox-harness.ts';
import { useSandbox, whileFaulty, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();

const document = readOpenApiDocument();
const conforms = openApiValidator(document);

const VERIFY = `POST ${VERIFY_PATH}` as const;
const TRACK = `GET ${TRACK_PATH}` as const;
const RESEND = `POST ${RESEND_PATH}` as const;
type Operation = typeof VERIFY | typeof TRACK | typeof RESEND;

/**
 * Documented statuses this file cannot provoke in the sandbox, and why. Checked against the document:
 * a status added to the document must be reached below or listed here.
 */
const NOT_REACHED: Readonly<Record<Operation, Readonly<Record<number, string>>>> = {
  [VERIFY]: {
    429: "API Gateway's stage throttling (Too Many Requests); the sandbox's HTTP API does not throttle",
  },
  [TRACK]: {
    429: "API Gateway's stage throttling (Too Many Requests); the sandbox's HTTP API does not throttle",
  },
  [RESEND]: {},
};

/** Statuses each operation answered in this file. */
const reached = new Map<Operation, Set<number>>();

const ELEVEN_MB = Buffer.alloc(11 * 1024 * 1024, 'a');

interface Call {
  readonly parcelId: string;
  /** A driver's bearer token (verify). */
  readonly token?: string;
  /** SigV4-sign the request as the shop backend does (recipient routes). */
  readonly signed?: boolean;
  readonly recipient?: string;
  /** The raw body; objects are sent as JSON. */
  readonly body?: string | Buffer | object;
}

/** DynamoDB refusing every request for good (a 400 no retry helps): the handler answers 500. */
const DYNAMODB_REFUSES = { status: 400, errorCode: 'ValidationException' };

/** Sends one request the way a client does (fetch; node:http for a GET with a body, which fetch refuses). */
async function send(operation: Operation, call: Call): Promise<HttpAnswer> {
  const [method = 'GET', template = ''] = operation.split(' ');
  const url = new URL(
    `${e2e.sandbox.endpoints.apiUrl}${template.replace('{parcelId}', encodeURIComponent(call.parcelId))}`,
  );
  const body =
    call.body === undefined || typeof call.body === 'string' || Buffer.isBuffer(call.body)
      ? call.body
      : JSON.stringify(call.body);
  let headers: Record<string, string> = {
    host: url.host,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
    ...(call.recipient ? { 'x-recipient-email': call.recipient } : {}),
  };
  if (call.signed) headers = await signedApiHeaders(e2e.sandbox.endpoints, method, url, headers, body);
  if (method === 'GET' && body !== undefined) return sendWithNodeHttp(url, method, headers, body);
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text: await response.text(),
  };
}

function sendWithNodeHttp(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const sized = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const outgoing = httpRequest(url, { method, headers: sized }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
          ),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    // The gateway may answer 413 and reset the connection before it has read the whole body.
    outgoing.on('error', reject);
    outgoing.on('socket', (socket) => socket.on('error', () => undefined));
    outgoing.end(body);
  });
}

/** Sends, expects `status` (and the body `code`), and checks the answer against the document. */
async function expectAnswer(
  operation: Operation,
  call: Call,
  status: number,
  code?: string,
): Promise<Record<string, unknown>> {
  // Act
  const answer = await send(operation, call);

  // Assess
  const [method = '', path = ''] = operation.split(' ');
  expect({ status: answer.status, text: answer.text }).toMatchObject({ status });
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  if (code) expect(body.code ?? body.message).toBe(code);
  expect(conforms(method, path, answer)).toEqual([]);
  // A handler's TRY_AGAIN always says when: the document's retry-after header.
  if (body.code === 'TRY_AGAIN') expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  reached.set(operation, new Set([...(reached.get(operation) ?? []), answer.status]));
  return body;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A recipient-route parcel: shipped (optionally with a phone), code emailed; returns recipient and code. */
async function shipped(parcelId: string, phone?: string) {
  const recipient = `${parcelId.toLowerCase()}@example.com`;
  const { emails } = await e2e.ship(parcelId, {
    recipient: { email: recipient, name: 'Alex Example', locale: 'en-GB', ...(phone ? { phone } : {}) },
  });
  return { recipient, code: codeFromEmail(emails[0]?.text ?? '') ?? '' };
}

const revoke = (parcelId: string) =>
  e2e.publish('Delivery Attempt Failed', { parcelId, driverId: 'D-OA-1', reason: 'REFUSED' });

const expire = (parcelId: string) =>
  writeCodeItem(e2e.sandbox, parcelId, {
    set: { expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } },
  });

describe('the validator refuses what the document does not allow', () => {
  it('refuses an undocumented status, a mutated body, a wrong content-type and a retry-after below 1', () => {
    // Prepare
    const path = VERIFY_PATH;
    const json = { 'content-type': 'application/json' };
    const verified = { code: 'VERIFIED', parcelId: 'P-1', verifiedAt: '2026-12-02T10:00:00.000Z' };

    // Act
    const good = conforms('POST', path, { status: 200, headers: json, text: JSON.stringify(verified) });
    const undocumented = conforms('POST', path, { status: 418, headers: json, text: '{}' });
    const extraField = conforms('POST', path, {
      status: 200,
      headers: json,
      text: JSON.stringify({ ...verified, code: '123456' }),
    });
    const wrongCodeForStatus = conforms('POST', path, {
      status: 422,
      headers: json,
      text: JSON.stringify({ code: 'LOCKED', message: 'Wrong code' }),
    });
    const plainText = conforms('POST', path, {
      status: 200,
      headers: { 'content-type': 'text/plain' },
      text: JSON.stringify(verified),
    });
    const badRetryAfter = conforms('POST', path, {
      status: 503,
      headers: { ...json, 'retry-after': '0' },
      text: JSON.stringify({ code: 'TRY_AGAIN', message: 'Busy, try again shortly' }),
    });

    // Assess
    expect(good).toEqual([]);
    expect(undocumented).toEqual([`${VERIFY} does not document status 418`]);
    expect(extraField).not.toEqual([]);
    expect(wrongCodeForStatus).not.toEqual([]);
    expect(plainText).not.toEqual([]);
    expect(badRetryAfter).not.toEqual([]);
  });
});

describe(`${VERIFY}: every answer the sandbox gives is in the document`, () => {
  it('answers 200 with the handover, then 409 ALREADY_VERIFIED', async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('OA-V-OK-1', 'D-OA-1');

    // Act and Assess: each answer is checked against the document as it comes
    const body = await expectAnswer(
      VERIFY,
      { parcelId: 'OA-V-OK-1', token, body: { code } },
      200,
      'VERIFIED',
    );
    await expectAnswer(VERIFY, { parcelId: 'OA-V-OK-1', token, body: { code } }, 409, 'ALREADY_VERIFIED');

    expect(body.parcelId).toBe('OA-V-OK-1');
  });

  it('answers each malformed request 400 with its code, and a body over 1024 bytes 413', async () => {
    // Prepare
    const token = await e2e.client.driverToken('D-OA-1');
    const call = { parcelId: 'OA-V-BAD-1', token };

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(VERIFY, { ...call, parcelId: 'bad$id' }, 400, 'INVALID_PARCEL_ID');
    await expectAnswer(VERIFY, call, 400, 'MALFORMED_REQUEST');
    await expectAnswer(VERIFY, { ...call, body: '{"code":' }, 400, 'MALFORMED_REQUEST');
    await expectAnswer(VERIFY, { ...call, body: '["123456"]' }, 400, 'MALFORMED_REQUEST');
    await expectAnswer(VERIFY, { ...call, body: { code: '12345a' } }, 400, 'INVALID_CODE_FORMAT');
    await expectAnswer(VERIFY, { ...call, body: { code: '123456', pad: 'x'.repeat(1100) } }, 413);
  });

  it("answers API Gateway's 413 for a body over 10 MB", async () => {
    // Prepare
    const token = await e2e.client.driverToken('D-OA-1');

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(
      VERIFY,
      { parcelId: 'OA-V-HUGE-1', token, body: ELEVEN_MB },
      413,
      'Request Entity Too Large',
    );
  });

  it("answers API Gateway's 401 without a token, the handler's 401 for an ID token with the scope or no driver, and API Gateway's 403 without the scope", async () => {
    // Prepare
    const idWithScope = await e2e.client.driverToken('D-OA-1', {
      tokenUse: 'id',
      claims: { scope: VERIFY_SCOPE },
    });
    const noScope = await e2e.client.driverToken('D-OA-1', {
      claims: { scope: 'aws.cognito.signin.user.admin' },
    });
    const noDriver = await e2e.client.driverToken('D-OA-1', { claims: { driver_id: '' } });
    const call = { parcelId: 'OA-V-AUTH-1', body: { code: '123456' } };

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(VERIFY, call, 401, 'Unauthorized');
    await expectAnswer(VERIFY, { ...call, token: idWithScope }, 401, 'UNAUTHORIZED');
    await expectAnswer(VERIFY, { ...call, token: noDriver }, 401, 'UNAUTHORIZED');
    await expectAnswer(VERIFY, { ...call, token: noScope }, 403, 'Forbidden');
  });

  it('answers 403 NOT_ASSIGNED to another driver and 404 NOT_FOUND for a codeless parcel bound to the driver', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('OA-V-NA-1', 'D-OA-1');
    await e2e.ship('OA-V-LOW-1', { declaredValue: { amount: 1999, currency: 'EUR' } });
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'OA-V-LOW-1',
      driverId: 'D-OA-1',
      deliveryDate: inDays(1),
    });
    const other = await e2e.client.driverToken('D-OA-2');
    const assigned = await e2e.client.driverToken('D-OA-1');

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(VERIFY, { parcelId: 'OA-V-NA-1', token: other, body: { code } }, 403, 'NOT_ASSIGNED');
    await expectAnswer(VERIFY, { parcelId: 'OA-V-LOW-1', token: assigned, body: { code } }, 404, 'NOT_FOUND');
  });

  it('answers 422 WRONG_CODE with attemptsRemaining, then 423 LOCKED', async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('OA-V-LOCK-1', 'D-OA-1');
    const call = { parcelId: 'OA-V-LOCK-1', token, body: { code: wrongCodeFor(code) } };

    // Act and Assess: each answer is checked against the document as it comes
    let body = await expectAnswer(VERIFY, call, 422, 'WRONG_CODE');
    // Bounded: a count that never reaches 1 fails the next expectation instead of hanging.
    for (let tries = 0; tries < 10 && body.attemptsRemaining !== 1; tries++)
      body = await expectAnswer(VERIFY, call, 422, 'WRONG_CODE');
    await expectAnswer(VERIFY, call, 423, 'LOCKED');
    const locked = await expectAnswer(VERIFY, call, 423, 'LOCKED');

    expect(locked.attemptsRemaining).toBe(0);
  });

  it('answers 410 REVOKED for a revoked code and 410 EXPIRED for an expired one', async () => {
    // Prepare
    const revoked = await e2e.readyForHandover('OA-V-REV-1', 'D-OA-1');
    await revoke('OA-V-REV-1');
    const expired = await e2e.readyForHandover('OA-V-EXP-1', 'D-OA-1');
    await expire('OA-V-EXP-1');

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(
      VERIFY,
      { parcelId: 'OA-V-REV-1', token: revoked.token, body: { code: revoked.code } },
      410,
      'REVOKED',
    );
    await expectAnswer(
      VERIFY,
      { parcelId: 'OA-V-EXP-1', token: expired.token, body: { code: expired.code } },
      410,
      'EXPIRED',
    );
  });

  it('answers 503 TRY_AGAIN with retry-after when KMS throttles, and 500 INTERNAL_ERROR when DynamoDB refuses for good', async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('OA-V-5XX-1', 'D-OA-1');
    const call = { parcelId: 'OA-V-5XX-1', token, body: { code } };

    // Act and Assess: each answer is checked against the document as it comes
    await whileFaulty(
      e2e.sandbox.faults.kms,
      { operation: 'TrentService.GenerateMac', status: 400, errorCode: 'ThrottlingException' },
      () => expectAnswer(VERIFY, call, 503, 'TRY_AGAIN'),
    );
    await whileFaulty(e2e.sandbox.faults.dynamodb, DYNAMODB_REFUSES, () =>
      expectAnswer(VERIFY, call, 500, 'INTERNAL_ERROR'),
    );
  });
});

describe(`${TRACK}: every answer the sandbox gives is in the document`, () => {
  it('answers 200 with the code, 404 for another recipient, an unknown parcel or no header, 400 for a bad id, 403 unsigned', async () => {
    // Prepare
    const { recipient, code } = await shipped('OA-T-OK-1');
    const call = { parcelId: 'OA-T-OK-1', recipient, signed: true };

    // Act and Assess: each answer is checked against the document as it comes
    const body = await expectAnswer(TRACK, call, 200);
    await expectAnswer(TRACK, { ...call, recipient: 'someone-else@example.com' }, 404, 'NOT_FOUND');
    await expectAnswer(TRACK, { ...call, parcelId: 'OA-T-NEVER-1' }, 404, 'NOT_FOUND');
    await expectAnswer(TRACK, { parcelId: 'OA-T-OK-1', signed: true }, 404, 'NOT_FOUND');
    await expectAnswer(TRACK, { ...call, parcelId: 'bad$id' }, 400, 'INVALID_PARCEL_ID');
    await expectAnswer(TRACK, { ...call, signed: false }, 403, 'Forbidden');

    expect(body.code).toBe(code);
  });

  it('answers 409 once handed over, 410 REVOKED and 410 EXPIRED', async () => {
    // Prepare
    const handedOver = await e2e.readyForHandover('OA-T-DONE-1', 'D-OA-1');
    await e2e.client.verify('OA-T-DONE-1', { code: handedOver.code }, handedOver.token);
    const revoked = await shipped('OA-T-REV-1');
    await revoke('OA-T-REV-1');
    const expired = await shipped('OA-T-EXP-1');
    await expire('OA-T-EXP-1');

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(
      TRACK,
      { parcelId: 'OA-T-DONE-1', recipient: handedOver.recipient, signed: true },
      409,
      'ALREADY_VERIFIED',
    );
    await expectAnswer(
      TRACK,
      { parcelId: 'OA-T-REV-1', recipient: revoked.recipient, signed: true },
      410,
      'REVOKED',
    );
    await expectAnswer(
      TRACK,
      { parcelId: 'OA-T-EXP-1', recipient: expired.recipient, signed: true },
      410,
      'EXPIRED',
    );
  });

  it("answers API Gateway's 413 for a body over 10 MB", async () => {
    // Prepare
    await expectAnswer(
      TRACK,
      { parcelId: 'OA-T-HUGE-1', recipient: 'x@example.com', body: ELEVEN_MB, signed: true },
      413,
      'Request Entity Too Large',
    );
  });

  it('answers 503 TRY_AGAIN with retry-after while DynamoDB throttles, and 500 INTERNAL_ERROR when it refuses for good', async () => {
    // Prepare
    const { recipient } = await shipped('OA-T-5XX-1');
    const call = { parcelId: 'OA-T-5XX-1', recipient, signed: true };

    // Act and Assess: each answer is checked against the document as it comes
    await whileFaulty(
      e2e.sandbox.faults.dynamodb,
      { status: 400, errorCode: 'ProvisionedThroughputExceededException' },
      () => expectAnswer(TRACK, call, 503, 'TRY_AGAIN'),
    );
    await whileFaulty(e2e.sandbox.faults.dynamodb, DYNAMODB_REFUSES, () =>
      expectAnswer(TRACK, call, 500, 'INTERNAL_ERROR'),
    );
  });
});

describe(`${RESEND}: every answer the sandbox gives is in the document`, () => {
  it('answers 202 RESENT until the limit, then 429 TOO_MANY_RESENDS', async () => {
    // Prepare
    const { recipient } = await shipped('OA-R-OK-1');
    const call = { parcelId: 'OA-R-OK-1', recipient, signed: true };

    // Act and Assess: each answer is checked against the document as it comes
    let body = await expectAnswer(RESEND, call, 202, 'RESENT');
    for (let tries = 0; tries < 10 && body.resendsRemaining !== 0; tries++)
      body = await expectAnswer(RESEND, { ...call, body: {} }, 202, 'RESENT');
    await expectAnswer(RESEND, call, 429, 'TOO_MANY_RESENDS');
  });

  it('answers each malformed request 400 with its code, a body over 1024 bytes 413, and 403 unsigned', async () => {
    // Prepare
    const { recipient } = await shipped('OA-R-BAD-1');
    const call = { parcelId: 'OA-R-BAD-1', recipient, signed: true };

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(RESEND, { ...call, parcelId: 'bad$id' }, 400, 'INVALID_PARCEL_ID');
    await expectAnswer(RESEND, { ...call, body: '{"channel":' }, 400, 'MALFORMED_REQUEST');
    await expectAnswer(RESEND, { ...call, body: '"SMS"' }, 400, 'MALFORMED_REQUEST');
    await expectAnswer(RESEND, { ...call, body: { channel: 'FAX' } }, 400, 'INVALID_CHANNEL');
    await expectAnswer(
      RESEND,
      { ...call, body: { channel: 'EMAIL', pad: 'x'.repeat(1100) } },
      413,
      'PAYLOAD_TOO_LARGE',
    );
    await expectAnswer(RESEND, { ...call, body: ELEVEN_MB }, 413, 'Request Entity Too Large');
    await expectAnswer(RESEND, { ...call, signed: false }, 403, 'Forbidden');
  });

  it('answers 404 for another recipient, 409 once handed over, 410 REVOKED and EXPIRED', async () => {
    // Prepare
    const handedOver = await e2e.readyForHandover('OA-R-DONE-1', 'D-OA-1');
    await e2e.client.verify('OA-R-DONE-1', { code: handedOver.code }, handedOver.token);
    const revoked = await shipped('OA-R-REV-1');
    await revoke('OA-R-REV-1');
    const expired = await shipped('OA-R-EXP-1');
    await expire('OA-R-EXP-1');

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-REV-1', recipient: 'someone-else@example.com', signed: true },
      404,
      'NOT_FOUND',
    );
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-DONE-1', recipient: handedOver.recipient, signed: true },
      409,
      'ALREADY_VERIFIED',
    );
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-REV-1', recipient: revoked.recipient, signed: true },
      410,
      'REVOKED',
    );
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-EXP-1', recipient: expired.recipient, signed: true },
      410,
      'EXPIRED',
    );
  });

  it('answers 422 NO_PHONE for an SMS resend without a phone, and 422 SMS_REJECTED when the SMS service refuses the number', async () => {
    // Prepare
    const noPhone = await shipped('OA-R-NOPHONE-1');
    const withPhone = await shipped('OA-R-SMSREJ-1', '+4915100000031');
    e2e.sandbox.sms.failNext({
      errorCode: 'ConflictException',
      message: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
      times: 1,
    });

    // Act and Assess: each answer is checked against the document as it comes
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-NOPHONE-1', recipient: noPhone.recipient, signed: true, body: { channel: 'SMS' } },
      422,
      'NO_PHONE',
    );
    await expectAnswer(
      RESEND,
      { parcelId: 'OA-R-SMSREJ-1', recipient: withPhone.recipient, signed: true, body: { channel: 'SMS' } },
      422,
      'SMS_REJECTED',
    );
  });

  it('answers 503 TRY_AGAIN with retry-after when SES throttles, while another resend is being sent, and 500 when DynamoDB refuses for good', async () => {
    // Prepare
    const { recipient } = await shipped('OA-R-5XX-1');
    const call = { parcelId: 'OA-R-5XX-1', recipient, signed: true };

    // Act and Assess: each answer is checked against the document as it comes
    await whileFaulty(
      e2e.sandbox.faults.ses,
      { operation: 'SendEmail', status: 400, errorCode: 'Throttling' },
      () => expectAnswer(RESEND, call, 503, 'TRY_AGAIN'),
    );
    const ses = e2e.sandbox.faults.ses.hold('SendEmail');
    const first = send(RESEND, call);
    await ses.arrived;
    try {
      await expectAnswer(RESEND, call, 503, 'TRY_AGAIN');
    } finally {
      ses.release();
    }
    expect((await first).status).toBe(202);
    await whileFaulty(e2e.sandbox.faults.dynamodb, DYNAMODB_REFUSES, () =>
      expectAnswer(RESEND, call, 500, 'INTERNAL_ERROR'),
    );
  });
});

/** Nine fields: one more than the request schemas' `maxProperties`. */
const NINE_FIELDS = Object.fromEntries(Array.from({ length: 9 }, (_, index) => [`f${index}`, index]));

describe('the server refuses exactly the request bodies the document refuses', () => {
  it.each([
    { body: '{"code":"123456"}' },
    { body: '{"code":"123456","note":"unknown fields are allowed"}' },
    { body: JSON.stringify({ ...NINE_FIELDS, code: '123456' }) },
    { body: '{"code":123456}' },
    { body: '{"code":"12345"}' },
    { body: '{"code":"123456\\n"}' },
    { body: '{"code":"１２３４５６"}' },
    { body: '{}' },
    { body: 'null' },
    { body: '' },
  ])(`${VERIFY} with $body: refused 400 if and only if the document refuses it`, async ({ body }) => {
    // Prepare: a parcel nobody shipped, so a well-formed request is answered NOT_ASSIGNED and counts nothing
    const token = await e2e.client.driverToken('D-OA-1');
    const [method = '', path = ''] = VERIFY.split(' ');

    // Act
    const answer = await send(VERIFY, { parcelId: 'OA-REQ-NONE-1', token, ...(body ? { body } : {}) });

    // Assess
    expect(conforms(method, path, answer)).toEqual([]);
    expect({ refused: answer.status === 400, problems: conforms.request(method, path, body) }).toEqual(
      answer.status === 400
        ? { refused: true, problems: expect.arrayContaining([expect.any(String)]) }
        : { refused: false, problems: [] },
    );
  });

  it.each([
    { body: '' },
    { body: '{}' },
    { body: '{"channel":"SMS"}' },
    { body: '{"channel":"EMAIL","note":"unknown fields are allowed"}' },
    { body: JSON.stringify({ ...NINE_FIELDS, channel: 'EMAIL' }) },
    { body: '{"channel":"sms"}' },
    { body: '{"channel":null}' },
    { body: '{"channel":["SMS"]}' },
    { body: '[]' },
  ])(`${RESEND} with $body: refused 400 if and only if the document refuses it`, async ({ body }) => {
    // Prepare: a parcel nobody shipped, so a well-formed request is answered NOT_FOUND and sends nothing
    const [method = '', path = ''] = RESEND.split(' ');

    // Act
    const answer = await send(RESEND, {
      parcelId: 'OA-REQ-NONE-2',
      recipient: 'nobody@example.com',
      signed: true,
      ...(body ? { body } : {}),
    });

    // Assess
    expect(conforms(method, path, answer)).toEqual([]);
    expect({ refused: answer.status === 400, problems: conforms.request(method, path, body) }).toEqual(
      answer.status === 400
        ? { refused: true, problems: expect.arrayContaining([expect.any(String)]) }
        : { refused: false, problems: [] },
    );
  });
});

describe('the server refuses exactly the parcel ids the document refuses', () => {
  it.each([
    { parcelId: 'A'.repeat(64) },
    { parcelId: 'A'.repeat(65) },
    { parcelId: 'a.b_c-D9' },
    { parcelId: '-abc' },
    { parcelId: '.abc' },
    { parcelId: 'a b' },
    { parcelId: 'Ä1' },
    { parcelId: 'abc/def' },
  ])(
    `${VERIFY} for parcel $parcelId: refused 400 if and only if the document refuses the id`,
    async ({ parcelId }) => {
      // Prepare: a well-formed request for a parcel nobody shipped is answered NOT_ASSIGNED
      const token = await e2e.client.driverToken('D-OA-1');
      const [method = '', path = ''] = VERIFY.split(' ');

      // Act
      const answer = await send(VERIFY, { parcelId, token, body: { code: '123456' } });

      // Assess
      expect(conforms(method, path, answer)).toEqual([]);
      expect({
        refused: answer.status === 400,
        problems: conforms.parameter(method, path, 'parcelId', parcelId),
      }).toEqual(
        answer.status === 400
          ? { refused: true, problems: expect.arrayContaining([expect.any(String)]) }
          : { refused: false, problems: [] },
      );
    },
  );
});

describe('every documented status is reached or listed as unreachable', () => {
  it('reached every status the document lists for each route, except those NOT_REACHED names with a reason', () => {
    // Prepare
    const documented = documentedStatuses(document);

    // Act
    const gaps = [...documented].map(([operation, statuses]) => {
      const answered = reached.get(operation as Operation) ?? new Set<number>();
      const excused = NOT_REACHED[operation as Operation] ?? {};
      return {
        operation,
        neitherReachedNorListed: statuses.filter((status) => !answered.has(status) && !(status in excused)),
        listedButReached: Object.keys(excused)
          .map(Number)
          .filter((status) => answered.has(status)),
        listedButUndocumented: Object.keys(excused)
          .map(Number)
          .filter((status) => !statuses.includes(status)),
      };
    });

    // Assess
    expect(new Set(documented.keys())).toEqual(new Set(Object.keys(NOT_REACHED)));
    expect(gaps).toEqual(
      [...documented.keys()].map((operation) => ({
        operation,
        neitherReachedNorListed: [],
        listedButReached: [],
        listedButUndocumented: [],
      })),
    );
  });
});
