import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { OTP_CODE, PARCEL_ID, RECIPIENT_EMAIL } from '../support/fixtures.ts';
import { recipientRouteTest } from './support.ts';

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const PHONE = '+4915112345678';
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESClient);
const sms = mockClient(PinpointSMSVoiceV2Client);

const route = recipientRouteTest(
  'resend-otp',
  'POST /parcels/{parcelId}/otp/resend',
  { MAX_RESENDS_PER_CODE: '3', RESEND_LEASE_SECONDS: '15' },
  { secrets, mocks: [ses, sms], now: NOW },
);

beforeEach(() => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-resent' });
  sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
});

const parcelWith = route.parcelWith;
const resend = (parcelId: string, body?: string, recipientEmail = RECIPIENT_EMAIL) =>
  route.call(parcelId, { recipientEmail, ...(body === undefined ? {} : { body }) });
const tables = () => route.test.tables;
const emailed = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
const texted = () => sms.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);

describe('resend-otp handler', () => {
  it('emails the current code again, counts the resend and answers 202 with the resends left', async () => {
    // Prepare
    const parcelId = await parcelWith({ resendCount: 1 });

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toEqual({ code: 'RESENT', resendsRemaining: 1 });
    expect(emailed()).toHaveLength(1);
    expect(emailed()[0]?.Destination?.ToAddresses).toEqual([RECIPIENT_EMAIL]);
    expect(emailed()[0]?.Message?.Body?.Text?.Data).toContain(OTP_CODE);
    const item = await tables().item(parcelId);
    expect(item).toMatchObject({ resendCount: 2, emailMessageId: 'msg-resent', issueId: expect.any(String) });
    expect(item?.resendLeaseUntil).toBeUndefined();
    expect(response.body).not.toContain(OTP_CODE);
  });

  it('texts the code to the phone on file for {"channel":"SMS"}, and emails nothing', async () => {
    // Prepare
    const parcelId = await parcelWith({}, { phone: PHONE });

    // Act
    const response = await resend(parcelId, JSON.stringify({ channel: 'SMS' }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(texted()).toHaveLength(1);
    expect(texted()[0]).toMatchObject({ DestinationPhoneNumber: PHONE });
    expect(texted()[0]?.MessageBody).toContain(OTP_CODE);
    expect(emailed()).toHaveLength(0);
    expect(await tables().item(parcelId)).toMatchObject({
      smsStatus: 'SENT',
      lastChannel: 'SMS',
      resendCount: 1,
    });
  });

  it('answers 422 NO_PHONE for an SMS resend when the shop gave no number, sending and counting nothing', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const response = await resend(parcelId, JSON.stringify({ channel: 'SMS' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.json).toEqual({ code: 'NO_PHONE' });
    expect([...emailed(), ...texted()]).toHaveLength(0);
    expect((await tables().item(parcelId))?.resendCount).toBeUndefined();
  });

  it.each([
    ['an unknown channel', JSON.stringify({ channel: 'PIGEON' }), 'INVALID_CHANNEL'],
    ['a body that is not JSON', 'channel=SMS', 'MALFORMED_REQUEST'],
    ['a null channel', JSON.stringify({ channel: null }), 'INVALID_CHANNEL'],
    [
      'nine fields',
      JSON.stringify({ channel: 'SMS', a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 }),
      'MALFORMED_REQUEST',
    ],
  ])('refuses %s with 400 naming the problem, sending and counting nothing', async (_case, body, code) => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const response = await resend(parcelId, body);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ code });
    expect([...emailed(), ...texted()]).toHaveLength(0);
    expect((await tables().item(parcelId))?.resendCount).toBeUndefined();
  });

  it('answers 429 TOO_MANY_RESENDS once the code was resent three times, sending nothing', async () => {
    // Prepare
    const parcelId = await parcelWith({ resendCount: 3 });

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.json).toEqual({ code: 'TOO_MANY_RESENDS' });
    expect(emailed()).toHaveLength(0);
  });

  it('answers a wrong recipient exactly like an unknown parcel (404), sending nothing', async () => {
    // Prepare
    const parcelId = await parcelWith({}, { phone: PHONE });

    // Act
    const wrong = await resend(parcelId, JSON.stringify({ channel: 'SMS' }), 'mallory@example.com');
    const unknown = await resend(`${PARCEL_ID}-NEVER`, JSON.stringify({ channel: 'SMS' }));

    // Assess
    expect(wrong.statusCode).toBe(404);
    expect({ ...wrong, json: undefined }).toEqual({ ...unknown, json: undefined });
    expect([...emailed(), ...texted()]).toHaveLength(0);
  });

  it('answers 503 TRY_AGAIN while another resend of the code is on its way, sending nothing', async () => {
    // Prepare
    const parcelId = await parcelWith({ resendCount: 1, resendLeaseUntil: NOW_SECONDS + 10 });

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
    expect(response.json).toMatchObject({ code: 'TRY_AGAIN' });
    expect(emailed()).toHaveLength(0);
  });

  it('answers 503 TRY_AGAIN when SES throttles, and gives the resend back', async () => {
    // Prepare
    const parcelId = await parcelWith({ resendCount: 1 });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling' }));

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ code: 'TRY_AGAIN' });
    const item = await tables().item(parcelId);
    expect(item?.resendCount).toBe(1);
    expect(item?.resendLeaseUntil).toBeUndefined();
  });

  it('answers 422 SMS_REJECTED when the SMS service refuses the number for good, and gives the resend back', async () => {
    // Prepare
    const parcelId = await parcelWith({}, { phone: PHONE });
    sms.on(SendTextMessageCommand).rejects(
      Object.assign(new Error('opted out'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const response = await resend(parcelId, JSON.stringify({ channel: 'SMS' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.json).toMatchObject({ code: 'SMS_REJECTED' });
    expect((await tables().item(parcelId))?.resendCount).toBe(0);
  });
});

// The resend cap limits how often a code can be pushed at a recipient: this block loads the handler again
// with a cap and a lease other than the contract's defaults, so a handler that ignored its environment fails.
describe('resend-otp handler: configured cap and lease', () => {
  const MAX_RESENDS = 1;
  const LEASE_SECONDS = 40;
  const limited = recipientRouteTest(
    'resend-otp',
    'POST /parcels/{parcelId}/otp/resend',
    { MAX_RESENDS_PER_CODE: String(MAX_RESENDS), RESEND_LEASE_SECONDS: String(LEASE_SECONDS) },
    { secrets, mocks: [ses, sms], now: NOW },
  );
  const resend = (parcelId: string) => limited.call(parcelId, { recipientEmail: RECIPIENT_EMAIL });

  it('uses a cap and a lease other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(MAX_RESENDS).not.toBe(ENVIRONMENT.MAX_RESENDS_PER_CODE.default);
    expect(LEASE_SECONDS).not.toBe(ENVIRONMENT.RESEND_LEASE_SECONDS.default);
  });

  it('resends a code at most MAX_RESENDS_PER_CODE times, then answers 429 sending nothing', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-resent' });
    const parcelId = await limited.parcelWith();

    // Act
    const first = await resend(parcelId);
    const second = await resend(parcelId);

    // Assess
    expect(first.statusCode).toBe(202);
    expect(first.json).toEqual({ code: 'RESENT', resendsRemaining: 0 });
    expect(second.statusCode).toBe(429);
    expect(second.json).toEqual({ code: 'TOO_MANY_RESENDS' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('holds the code for RESEND_LEASE_SECONDS while its email is on the way', async () => {
    // Prepare
    const parcelId = await limited.parcelWith();
    let leaseWhileSending: unknown;
    ses.on(SendEmailCommand).callsFake(async () => {
      leaseWhileSending = (await limited.test.tables.item(parcelId))?.resendLeaseUntil;
      return { MessageId: 'msg-resent' };
    });

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(leaseWhileSending).toBe(NOW_SECONDS + LEASE_SECONDS);
  });
});
