import { describe, expect, it } from 'vitest';
import { SMS_PARCEL_CONTEXT } from '../../lambdas/domain/delivery-status.ts';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { smsFallbackTest } from './support.ts';

type Handler = typeof import('../../lambdas/record-sms-delivery/handler.ts')['handler'];

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const PHONE = '+4915112345678';
const SMS_ID = 'sms-msg-1';
const fallback = smsFallbackTest<Handler>('record-sms-delivery', {}, { now: NOW });
const { test: t, published } = fallback;

/** A parcel of its own whose code email bounced and whose code SMS End User Messaging took as SMS_ID. */
const textedParcel = (overrides: Partial<OtpRecord> = {}) =>
  fallback.emailedParcel(
    {
      emailDelivery: 'BOUNCED',
      emailDeliveryRank: 4,
      smsStatus: 'SENT',
      smsMessageId: SMS_ID,
      smsDelivery: 'SENT',
      smsDeliveryRank: 1,
      lastChannel: 'SMS',
      ...overrides,
    },
    { phone: PHONE },
  );

/** End User Messaging's event record of `eventType` about an SMS, as its SNS destination carries it. */
const smsRecord = (eventType: string, parcelId: string, messageId = SMS_ID) => ({
  eventType,
  eventVersion: '1.0',
  eventTimestamp: NOW.getTime(),
  isFinal: true,
  originationPhoneNumber: '+4930123456',
  destinationPhoneNumber: PHONE,
  messageId,
  messageType: 'TRANSACTIONAL',
  messageStatus: eventType.replace('TEXT_', ''),
  context: { [SMS_PARCEL_CONTEXT]: parcelId },
  totalMessageParts: 1,
});

/** Lambda's event for an SNS notification carrying `messages`. */
const snsEvent = (...messages: unknown[]) => ({
  Records: messages.map((message) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:eu-central-1:123456789012:sms-events:sub',
    Sns: {
      Type: 'Notification',
      MessageId: 'sns-1',
      TopicArn: 'arn:aws:sns:eu-central-1:123456789012:sms-events',
      Message: typeof message === 'string' ? message : JSON.stringify(message),
      Timestamp: NOW.toISOString(),
    },
  })),
});

const invoke = (event: unknown) =>
  t.handler(event as never, t.context) as Promise<{ outcomes: { parcelId: string; outcome: string }[] }>;

describe('record-sms-delivery handler', () => {
  it('records TEXT_DELIVERED on the code: DELIVERED; publishes nothing', async () => {
    // Prepare
    const parcelId = await textedParcel();

    // Act
    const result = await invoke(snsEvent(smsRecord('TEXT_DELIVERED', parcelId)));

    // Assess
    expect(result.outcomes).toEqual([{ parcelId, outcome: 'RECORDED' }]);
    expect(await t.tables.item(parcelId)).toMatchObject({ smsDelivery: 'DELIVERED', smsDeliveryRank: 3 });
    expect(published()).toEqual([]);
  });

  it('records a carrier failure as FAILED with its kind and, the email having bounced, reports the code undeliverable (SMS_FAILED)', async () => {
    // Prepare
    const parcelId = await textedParcel();

    // Act
    const result = await invoke(snsEvent(smsRecord('TEXT_CARRIER_UNREACHABLE', parcelId)));

    // Assess
    expect(result.outcomes).toEqual([{ parcelId, outcome: 'UNDELIVERABLE' }]);
    expect(await t.tables.item(parcelId)).toMatchObject({
      smsDelivery: 'FAILED',
      smsFailure: 'CARRIER_UNREACHABLE',
    });
    expect(published()).toEqual([
      expect.objectContaining({
        DetailType: 'Delivery Otp Undeliverable',
        detail: { parcelId, channel: 'SMS', reason: 'SMS_FAILED' },
      }),
    ]);
  });

  it('ignores an event about an older issue’s SMS: the current code’s status stays as it is', async () => {
    // Prepare: the code was reissued and its own SMS delivered; the old SMS's failure arrives late.
    const parcelId = await textedParcel({
      issueId: 'issue-2',
      smsMessageId: 'sms-msg-2',
      smsDelivery: 'DELIVERED',
      smsDeliveryRank: 3,
    });

    // Act
    const result = await invoke(snsEvent(smsRecord('TEXT_BLOCKED', parcelId, 'sms-msg-old')));

    // Assess
    expect(result.outcomes).toEqual([{ parcelId, outcome: 'IGNORED' }]);
    const item = await t.tables.item(parcelId);
    expect(item).toMatchObject({ smsDelivery: 'DELIVERED', smsMessageId: 'sms-msg-2' });
    expect(item?.smsFailure).toBeUndefined();
    expect(published()).toEqual([]);
  });

  it('fails a malformed notification with a typed error naming the field, and writes nothing, not even its valid records', async () => {
    // Prepare
    const parcelId = await textedParcel();
    const before = await t.tables.item(parcelId);
    const malformed = { ...smsRecord('TEXT_DELIVERED', parcelId), messageId: 42 };

    // Act
    const failure = await invoke(snsEvent(smsRecord('TEXT_DELIVERED', parcelId), malformed)).catch(
      (error: Error) => error,
    );

    // Assess
    expect(failure).toMatchObject({ name: 'InvalidSmsEventError', field: 'Records.1.Sns.Message.messageId' });
    expect(await t.tables.item(parcelId)).toEqual(before);
    expect(published()).toEqual([]);
  });

  it('fails a message that is not JSON, naming it', async () => {
    // Act
    const failure = await invoke(snsEvent('not json')).catch((error: Error) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'InvalidSmsEventError', field: 'Records.0.Sns.Message' });
  });

  it('never logs or stores the event’s phone number', async () => {
    // Prepare
    const parcelId = await textedParcel();

    // Act
    await invoke(snsEvent(smsRecord('TEXT_SPAM', parcelId)));
    await invoke(snsEvent({ ...smsRecord('TEXT_DELIVERED', parcelId), messageId: '' })).catch(
      () => undefined,
    );

    // Assess
    expect(t.output.text()).toContain(parcelId);
    expect(t.output.text()).not.toContain(PHONE.slice(1));
    expect(JSON.stringify(await t.tables.item(parcelId))).not.toContain(PHONE.slice(1));
  });

  it('keeps a failure End User Messaging marks not final (isFinal false) from failing the SMS or reporting the code undeliverable: its later delivery counts', async () => {
    // Prepare: the email bounced; the carrier is briefly unreachable, End User Messaging retries and delivers.
    const parcelId = await textedParcel();
    const retrying = { ...smsRecord('TEXT_CARRIER_UNREACHABLE', parcelId), isFinal: false };

    // Act
    await invoke(snsEvent(retrying));
    await invoke(snsEvent(smsRecord('TEXT_DELIVERED', parcelId)));

    // Assess
    expect(await t.tables.item(parcelId)).toMatchObject({ smsDelivery: 'DELIVERED' });
    expect(published()).toEqual([]);
  });
});
