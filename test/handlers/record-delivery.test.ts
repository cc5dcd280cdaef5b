import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { parcelTagValue } from '../../lambdas/domain/delivery-status.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';
import { eventBridgeEvent, OTP_CODE, RECIPIENT_EMAIL, RECIPIENT_NAME } from '../support/fixtures.ts';
import { smsFallbackTest } from './support.ts';

type Handler = typeof import('../../lambdas/record-delivery/handler.ts')['handler'];

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
// Other than the contract's default (30), so a handler ignoring its environment fails the lease tests.
const SMS_LEASE_SECONDS = 90;
const PHONE = '+4915112345678';
const MESSAGE_ID = 'msg-code';
const fallback = smsFallbackTest<Handler>(
  'record-delivery',
  { SMS_CLAIM_LEASE_SECONDS: String(SMS_LEASE_SECONDS) },
  { now: NOW },
);
const { test: t, sms, texts, published } = fallback;

/** A parcel of its own per test: its code emailed as MESSAGE_ID (SES accepted it) and its recipient. */
const emailedParcel = (
  overrides: Partial<OtpRecord> = {},
  recipient: Partial<RecipientRecord> = { phone: PHONE },
) => fallback.emailedParcel({ emailDelivery: 'SENT', emailDeliveryRank: 1, ...overrides }, recipient);

/** SES's event (as EventBridge delivers it) of `eventType` about the code email of `parcelId`. */
const sesEvent = (
  eventType: string,
  parcelId: string,
  extra: Record<string, unknown> = {},
  messageId = MESSAGE_ID,
) =>
  eventBridgeEvent(
    `Email ${eventType}`,
    {
      eventType,
      mail: {
        messageId,
        destination: [RECIPIENT_EMAIL],
        tags: { 'ses:configuration-set': ['secure-delivery'], parcel: [parcelTagValue(parcelId)] },
      },
      ...extra,
    },
    { source: 'aws.ses', time: NOW.toISOString() },
  );
const BOUNCE = {
  bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: RECIPIENT_EMAIL }] },
};
const invoke = (event: ReturnType<typeof sesEvent>) =>
  t.handler(event, t.context) as Promise<Record<string, unknown>>;

describe('record-delivery handler', () => {
  it('uses an SMS claim lease other than the default (else the lease tests prove nothing)', () => {
    // Assess
    expect(SMS_LEASE_SECONDS).not.toBe(ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default);
  });

  it('records a Delivery on the code: DELIVERED, email the last channel that worked; texts and publishes nothing', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    const result = await invoke(sesEvent('Delivery', parcelId));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'RECORDED' });
    const item = await t.tables.item(parcelId);
    expect(item).toMatchObject({ emailDelivery: 'DELIVERED', emailDeliveryRank: 3, lastChannel: 'EMAIL' });
    expect(texts()).toHaveLength(0);
    expect(published()).toHaveLength(0);
  });

  it('records a DeliveryDelay as DELAYED since now, in the delayed index the sweep reads; texts nothing yet', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    const result = await invoke(
      sesEvent('DeliveryDelay', parcelId, { deliveryDelay: { delayType: 'MailboxFull' } }),
    );

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'RECORDED' });
    const item = await t.tables.item(parcelId);
    expect(item).toMatchObject({
      emailDelivery: 'DELAYED',
      delayedShard: expect.any(String),
      delayedAt: NOW_SECONDS,
    });
    expect(texts()).toHaveLength(0);
    expect(published()).toHaveLength(0);
  });

  it('takes a delayed email out of the delayed index when SES then delivers it', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    await invoke(sesEvent('DeliveryDelay', parcelId));

    // Act
    await invoke(sesEvent('Delivery', parcelId));

    // Assess
    const item = await t.tables.item(parcelId);
    expect(item?.emailDelivery).toBe('DELIVERED');
    expect(item?.delayedShard).toBeUndefined();
    expect(item?.delayedAt).toBeUndefined();
  });

  it('records a Complaint after the Delivery as COMPLAINED, texting nothing (the code did arrive)', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    await invoke(sesEvent('Delivery', parcelId));

    // Act
    const result = await invoke(
      sesEvent('Complaint', parcelId, { complaint: { complaintFeedbackType: 'abuse' } }),
    );

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'RECORDED' });
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('COMPLAINED');
    expect(texts()).toHaveLength(0);
    expect(published()).toHaveLength(0);
  });

  it('records a Bounce (with its type) and texts the code once to the phone on file, marking the SMS sent', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatchObject({
      DestinationPhoneNumber: PHONE,
      OriginationIdentity: 'pool-secure-delivery',
      ConfigurationSetName: 'secure-delivery-sms',
      MessageType: 'TRANSACTIONAL',
    });
    expect(texts()[0]?.MessageBody).toContain(OTP_CODE);
    const item = await t.tables.item(parcelId);
    expect(item).toMatchObject({
      emailDelivery: 'BOUNCED',
      emailBounceType: 'Permanent',
      smsStatus: 'SENT',
      lastChannel: 'SMS',
    });
    expect(published()).toHaveLength(0);
  });

  it('records a Reject as REJECTED and texts the code once', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    const result = await invoke(sesEvent('Reject', parcelId, { reject: { reason: 'Bad content' } }));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('REJECTED');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]?.DestinationPhoneNumber).toBe(PHONE);
  });

  it('sends no second SMS when the Bounce is delivered again, or a Reject follows it', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Act
    const again = await invoke(sesEvent('Bounce', parcelId, BOUNCE));
    const reject = await invoke(sesEvent('Reject', parcelId));

    // Assess
    expect(again).toEqual({ parcelId, outcome: 'ALREADY_SENT' });
    expect(reject).toEqual({ parcelId, outcome: 'IGNORED' });
    expect(texts()).toHaveLength(1);
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('BOUNCED');
  });

  it('texts on a redelivered Bounce when the first try recorded it but died before the SMS', async () => {
    // Prepare
    const parcelId = await emailedParcel({ emailDelivery: 'BOUNCED', emailDeliveryRank: 4 });

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(texts()).toHaveLength(1);
  });

  it('without a phone on file publishes Delivery Otp Undeliverable once, with ids and reason only', async () => {
    // Prepare
    const parcelId = await emailedParcel({}, {});

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE));
    const again = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'UNDELIVERABLE' });
    expect(again).toEqual({ parcelId, outcome: 'ALREADY_REPORTED' });
    expect(texts()).toHaveLength(0);
    fallback.expectUndeliverableOnly(parcelId, 'EMAIL_BOUNCED');
  });

  it('reports a rejected email without a phone as EMAIL_REJECTED', async () => {
    // Prepare
    const parcelId = await emailedParcel({}, {});

    // Act
    await invoke(sesEvent('Reject', parcelId));

    // Assess
    expect(published().map((entry) => entry.detail)).toEqual([
      { parcelId, channel: 'EMAIL', reason: 'EMAIL_REJECTED' },
    ]);
  });

  it('reports SMS_REJECTED, without the phone, when the SMS service refuses the number for good', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    sms.on(SendTextMessageCommand).rejects(
      Object.assign(new Error('opted out'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'UNDELIVERABLE' });
    expect(published().map((entry) => entry.detail)).toEqual([
      { parcelId, channel: 'SMS', reason: 'SMS_REJECTED' },
    ]);
    expect(JSON.stringify(published())).not.toContain(PHONE);
    expect((await t.tables.item(parcelId))?.smsStatus).toBeUndefined();
  });

  it('fails on a transient SMS failure, releasing the claim so the retry texts the code', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    sms
      .on(SendTextMessageCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ MessageId: 'sms-1' });

    // Act
    const first = invoke(sesEvent('Bounce', parcelId, BOUNCE));
    await expect(first).rejects.toMatchObject({ name: 'SmsTransientError' });
    const retried = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(retried).toEqual({ parcelId, outcome: 'SENT' });
    expect((await t.tables.item(parcelId))?.smsStatus).toBe('SENT');
    expect(published()).toHaveLength(0);
  });

  it('holds the SMS claim for SMS_CLAIM_LEASE_SECONDS while the text is on its way', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    let leaseWhileSending: unknown;
    sms.on(SendTextMessageCommand).callsFake(async () => {
      leaseWhileSending = (await t.tables.item(parcelId))?.smsLeaseUntil;
      return { MessageId: 'sms-1' };
    });

    // Act
    await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(leaseWhileSending).toBe(NOW_SECONDS + SMS_LEASE_SECONDS);
  });

  it('fails (retried later) while another try holds an SMS claim younger than the lease, texting nothing', async () => {
    // Prepare: claimed longer ago than the default lease, within the configured one.
    const claimedAt = NOW_SECONDS - ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default - 1;
    expect(NOW_SECONDS - claimedAt).toBeLessThan(SMS_LEASE_SECONDS);
    const parcelId = await emailedParcel({ smsStatus: 'SENDING', smsClaimedAt: claimedAt });

    // Act
    const run = invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'SmsTransientError' });
    expect(texts()).toHaveLength(0);
    expect(published()).toHaveLength(0);
  });

  it('takes over an SMS claim older than the lease (a try that died) and texts the code', async () => {
    // Prepare
    const parcelId = await emailedParcel({
      smsStatus: 'SENDING',
      smsClaimedAt: NOW_SECONDS - SMS_LEASE_SECONDS - 1,
    });

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(texts()).toHaveLength(1);
  });

  it('ignores an event about an earlier email of the code (another message id), texting nothing', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    const result = await invoke(sesEvent('Bounce', parcelId, BOUNCE, 'msg-earlier'));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'IGNORED' });
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('SENT');
    expect(texts()).toHaveLength(0);
  });

  it('ignores an event SES sends after a later one (a Delivery after the Bounce changes nothing)', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Act
    const result = await invoke(sesEvent('Delivery', parcelId));

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'IGNORED' });
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('BOUNCED');
  });

  it('fails (so EventBridge retries) on an event that arrives before the sender stored the message id', async () => {
    // Prepare
    const parcelId = await emailedParcel({
      emailStatus: 'SENDING',
      emailMessageId: undefined,
      emailDelivery: undefined,
      emailDeliveryRank: undefined,
    });

    // Act
    const run = invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'DeliveryReportEarlyError' });
    expect(texts()).toHaveLength(0);
  });

  it('ignores SES events about other emails (no parcel tag, a forged tag) and types that change no status', async () => {
    // Prepare
    const parcelId = await emailedParcel();
    const untagged = sesEvent('Bounce', parcelId, BOUNCE);
    untagged.detail.mail.tags = { 'ses:configuration-set': ['secure-delivery'] } as never;
    const forged = sesEvent('Bounce', parcelId, BOUNCE);
    forged.detail.mail.tags.parcel = [`${parcelTagValue(parcelId)}.`];

    // Act
    const results = await Promise.all([untagged, forged, sesEvent('Open', parcelId)].map(invoke));

    // Assess
    expect(results).toEqual([
      { outcome: 'NOT_A_CODE_EMAIL' },
      { outcome: 'NOT_A_CODE_EMAIL' },
      { outcome: 'NOT_A_CODE_EMAIL' },
    ]);
    expect((await t.tables.item(parcelId))?.emailDelivery).toBe('SENT');
    expect(texts()).toHaveLength(0);
  });

  it('logs no code, phone, address or name while recording and texting', async () => {
    // Prepare
    const parcelId = await emailedParcel();

    // Act
    await invoke(sesEvent('Bounce', parcelId, BOUNCE));

    // Assess
    const logged = t.output.text();
    expect(logged).toContain(parcelId);
    for (const secret of [OTP_CODE, PHONE, RECIPIENT_EMAIL, RECIPIENT_NAME])
      expect(logged).not.toContain(secret);
  });
});
