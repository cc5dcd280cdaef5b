import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import {
  ISSUE_ID,
  OTP_CODE,
  otpRecordHolding,
  RECIPIENT_EMAIL,
  uniqueParcelId,
} from '../support/fixtures.ts';
import { answerEncryptionSecret, ENCRYPTION_KEY, handlerTestOnTables, TEST_VALUES } from './support.ts';

type Handler = typeof import('../../lambdas/send-otp-email/handler.ts')['handler'];

const NOW = new Date('2026-12-01T10:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const ses = mockClient(SESClient);
const secrets = mockClient(SecretsManagerClient);

const t = handlerTestOnTables<Handler>(
  'send-otp-email',
  { EMAIL_CLAIM_LEASE_SECONDS: '120' },
  { mocks: [ses, secrets], now: NOW },
);

beforeEach(() => {
  answerEncryptionSecret(secrets);
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
});

afterEach(() => {
  // Guard for every test: the code never reaches the logs.
  expect(t.output.text()).not.toContain(OTP_CODE);
  expect(t.output.text()).not.toContain(RECIPIENT_EMAIL);
});

/** A parcel of its own per test: its code (issue ISSUE_ID) and its recipient. */
async function parcelWith(overrides: Partial<OtpRecord> = {}): Promise<string> {
  const parcelId = uniqueParcelId();
  await t.tables.putParcel(otpRecordHolding(OTP_CODE, ENCRYPTION_KEY, { parcelId, ...overrides }));
  return parcelId;
}

const invoke = (input: unknown) => t.handler(input, t.context);
const sent = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
const sesError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe('send-otp-email handler', () => {
  it('claims, sends the decrypted code with SES and marks the email sent with its message id', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const result = await invoke({ parcelId, issueId: ISSUE_ID });

    // Assess
    expect(result).toEqual({
      parcelId,
      issueId: ISSUE_ID,
      emailSent: true,
      outcome: 'SENT',
      channel: 'EMAIL',
    });
    const email = sent()[0];
    expect(sent()).toHaveLength(1);
    expect(email?.Source).toBe(TEST_VALUES.SENDER_EMAIL);
    expect(email?.Destination?.ToAddresses).toEqual([RECIPIENT_EMAIL]);
    expect(email?.ConfigurationSetName).toBe(TEST_VALUES.SES_CONFIGURATION_SET);
    expect(email?.Message?.Body?.Text?.Data).toContain(OTP_CODE);
    expect(email?.Message?.Body?.Html?.Data).toContain(OTP_CODE);
    expect(email?.Message?.Subject?.Data).not.toContain(OTP_CODE);
    expect(await t.tables.item(parcelId)).toMatchObject({
      emailStatus: 'SENT',
      emailClaimedAt: NOW_SECONDS,
      emailMessageId: 'msg-1',
      emailDelivery: 'SENT',
    });
  });

  it("throws EmailThrottledError when SES answers 'Throttling', releasing the claim so the retry sends", async () => {
    // Prepare
    const parcelId = await parcelWith();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(sesError('Throttling', 'Maximum sending rate exceeded.'))
      .resolves({ MessageId: 'msg-2' });

    // Act
    const run = invoke({ parcelId, issueId: ISSUE_ID });
    await expect(run).rejects.toMatchObject({ name: 'EmailThrottledError' });
    const released = await t.tables.item(parcelId);
    const retried = await invoke({ parcelId, issueId: ISSUE_ID });

    // Assess
    expect(released?.emailStatus).toBeUndefined();
    expect(retried).toMatchObject({ emailSent: true, outcome: 'SENT' });
    expect(sent()).toHaveLength(2);
    expect(t.output.text()).toContain('EmailThrottledError');
  });

  it("throws EmailRejectedError for 'MessageRejected', so the workflow does not retry, and releases the claim", async () => {
    // Prepare
    const parcelId = await parcelWith();
    ses.on(SendEmailCommand).rejects(sesError('MessageRejected', 'Email address is not verified.'));

    // Act
    const run = invoke({ parcelId, issueId: ISSUE_ID });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'EmailRejectedError' });
    expect((await t.tables.item(parcelId))?.emailStatus).toBeUndefined();
  });

  it('sends nothing when the email was already sent', async () => {
    // Prepare
    const parcelId = await parcelWith({ emailStatus: 'SENT' });

    // Act
    const result = await invoke({ parcelId, issueId: ISSUE_ID });

    // Assess
    expect(result).toEqual({ parcelId, issueId: ISSUE_ID, emailSent: false, outcome: 'ALREADY_SENT' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('waits for a claim younger than EMAIL_CLAIM_LEASE_SECONDS, and takes over an older one', async () => {
    // Prepare
    const fresh = await parcelWith({ emailStatus: 'SENDING', emailClaimedAt: NOW_SECONDS - 60 });
    const stale = await parcelWith({ emailStatus: 'SENDING', emailClaimedAt: NOW_SECONDS - 121 });

    // Act
    const waiting = await invoke({ parcelId: fresh, issueId: ISSUE_ID });
    const takenOver = await invoke({ parcelId: stale, issueId: ISSUE_ID });

    // Assess
    expect(waiting).toMatchObject({ emailSent: false, outcome: 'IN_FLIGHT' });
    expect(takenOver).toMatchObject({ emailSent: true, outcome: 'SENT' });
    expect(sent()).toHaveLength(1);
  });

  it('sends nothing for a code revoked meanwhile (CODE_CLOSED)', async () => {
    // Prepare
    const parcelId = await parcelWith({ status: 'REVOKED' });

    // Act
    const result = await invoke({ parcelId, issueId: ISSUE_ID });

    // Assess
    expect(result).toMatchObject({ emailSent: false, outcome: 'CODE_CLOSED' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('throws OtpNotFoundError for an issue that is no longer current, writing nothing', async () => {
    // Prepare
    const parcelId = await parcelWith();
    const before = await t.tables.item(parcelId);

    // Act
    const run = invoke({ parcelId, issueId: '11111111-2222-4333-8444-555555555555' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'OtpNotFoundError' });
    expect(ses.calls()).toHaveLength(0);
    expect(await t.tables.item(parcelId)).toEqual(before);
  });

  it('throws InvalidParcelEventError naming issueId for an input that is not a UUID', async () => {
    // Prepare
    const parcelId = await parcelWith();
    const before = await t.tables.item(parcelId);

    // Act
    const run = invoke({ parcelId, issueId: 'not-a-uuid' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'issueId' });
    expect(await t.tables.item(parcelId)).toEqual(before);
    expect(secrets.calls()).toHaveLength(0);
  });
});
