import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { encryptOtpCode } from '../../lambdas/domain/otp-code.ts';
import { otpRecord } from '../support/fixtures.ts';
import {
  ENCRYPTION_KEY,
  ENCRYPTION_SECRET,
  ENCRYPTION_SECRET_ARN,
  handlerTest,
  RECIPIENT_TABLE,
  TABLE,
} from './support.ts';

type Handler = typeof import('../../lambdas/send-otp-email/handler.ts')['handler'];

const NOW = new Date('2026-12-01T10:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SENDER = 'no-reply@secure-delivery.example.com';
const PARCEL = 'PCL-789';
const ISSUE = '0b6f2f5e-3c1a-4d8e-9f00-1234567890ab';
const CODE = '482913';
const RECIPIENT = 'erika.mustermann@example.com';
const STORED = otpRecord({
  parcelId: PARCEL,
  issueId: ISSUE,
  codeCiphertext: encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE),
});
const RECIPIENT_ITEM = {
  parcelId: { S: PARCEL },
  email: { S: RECIPIENT },
  name: { S: 'Erika Mustermann' },
  locale: { S: 'en-GB' },
  ttl: { N: String(STORED.ttl) },
};

const ddb = mockClient(DynamoDBClient);
const ses = mockClient(SESClient);
const secrets = mockClient(SecretsManagerClient);

const t = handlerTest<Handler>(
  'send-otp-email',
  {
    OTP_TABLE_NAME: TABLE,
    RECIPIENT_TABLE_NAME: RECIPIENT_TABLE,
    OTP_ENCRYPTION_SECRET_ARN: ENCRYPTION_SECRET_ARN,
    SENDER_EMAIL: SENDER,
    SES_CONFIGURATION_SET: 'secure-delivery',
    SMS_CONFIGURATION_SET: 'secure-delivery-sms',
    SMS_ORIGINATION_IDENTITY: 'pool-secure-delivery',
    EMAIL_CLAIM_LEASE_SECONDS: '120',
  },
  { mocks: [ddb, ses, secrets], now: NOW },
);

beforeEach(() => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: ENCRYPTION_SECRET });
  ddb.on(GetItemCommand, { TableName: TABLE }).resolves({ Item: toItem(STORED) });
  ddb.on(GetItemCommand, { TableName: RECIPIENT_TABLE }).resolves({ Item: RECIPIENT_ITEM });
});

afterEach(() => {
  // Guard for every test: the code never reaches the logs.
  expect(t.output.text()).not.toContain(CODE);
  expect(t.output.text()).not.toContain(RECIPIENT);
});

const invoke = (input: unknown) => t.handler(input, t.context);
const updates = () => ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);

describe('send-otp-email handler', () => {
  it('claims, sends the decrypted code with SES and marks the email sent', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(STORED) });
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });

    // Act
    const result = await invoke({ parcelId: PARCEL, issueId: ISSUE });

    // Assess
    expect(result).toEqual({
      parcelId: PARCEL,
      issueId: ISSUE,
      emailSent: true,
      outcome: 'SENT',
      channel: 'EMAIL',
    });
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(sent?.Source).toBe(SENDER);
    expect(sent?.Destination?.ToAddresses).toEqual([RECIPIENT]);
    expect(sent?.ConfigurationSetName).toBe('secure-delivery');
    expect(sent?.Message?.Body?.Text?.Data).toContain(CODE);
    expect(sent?.Message?.Body?.Html?.Data).toContain(CODE);
    expect(sent?.Message?.Subject?.Data).not.toContain(CODE);
    expect(updates().map((input) => input.UpdateExpression)).toEqual([
      'SET emailStatus = :sending, emailClaimedAt = :now',
      'SET emailStatus = :sent, emailMessageId = :message, emailDelivery = :sent, emailDeliveryRank = :rank REMOVE emailBounceType',
    ]);
    expect(updates()[0]?.ExpressionAttributeValues).toMatchObject({
      ':issue': { S: ISSUE },
      ':now': { N: String(NOW_SECONDS) },
      ':stale': { N: String(NOW_SECONDS - 120) },
    });
  });

  it("throws EmailThrottledError when SES answers 'Throttling', after releasing the claim with a REMOVE", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(STORED) });
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const run = invoke({ parcelId: PARCEL, issueId: ISSUE });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'EmailThrottledError' });
    const written = updates();
    expect(written).toHaveLength(2);
    expect(written[1]).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: PARCEL } },
      UpdateExpression: 'REMOVE emailStatus, emailClaimedAt',
      ConditionExpression: 'issueId = :issue AND emailStatus = :sending',
      ExpressionAttributeValues: { ':issue': { S: ISSUE }, ':sending': { S: 'SENDING' } },
    });
    expect(written.some((input) => input.UpdateExpression === 'SET emailStatus = :sent')).toBe(false);
    expect(t.output.text()).toContain('EmailThrottledError');
  });

  it("throws EmailRejectedError for 'MessageRejected', so the workflow does not retry", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(STORED) });
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));

    // Act
    const run = invoke({ parcelId: PARCEL, issueId: ISSUE });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'EmailRejectedError' });
    expect(updates()[1]?.UpdateExpression).toBe('REMOVE emailStatus, emailClaimedAt');
  });

  it('sends nothing when the email was already sent', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: toItem({ ...STORED, emailStatus: 'SENT' }),
      }),
    );

    // Act
    const result = await invoke({ parcelId: PARCEL, issueId: ISSUE });

    // Assess
    expect(result).toEqual({ parcelId: PARCEL, issueId: ISSUE, emailSent: false, outcome: 'ALREADY_SENT' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('throws OtpNotFoundError for an issue that is no longer current', async () => {
    // Act
    const run = invoke({ parcelId: PARCEL, issueId: '11111111-2222-4333-8444-555555555555' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'OtpNotFoundError' });
    expect(ses.calls()).toHaveLength(0);
    expect(updates()).toHaveLength(0);
  });

  it('throws InvalidParcelEventError naming issueId for an input that is not a UUID', async () => {
    // Act
    const run = invoke({ parcelId: PARCEL, issueId: 'not-a-uuid' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'issueId' });
    expect(ddb.calls()).toHaveLength(0);
  });
});
