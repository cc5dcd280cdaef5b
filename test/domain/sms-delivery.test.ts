import { describe, expect, it } from 'vitest';
import { SMS_PARCEL_CONTEXT } from '../../lambdas/domain/delivery-status.ts';
import type { OtpUndeliverableDetail } from '../../lambdas/domain/events/code-events.ts';
import {
  recordSmsDelivery,
  type SmsDeliveryReport,
  type SmsDeliveryState,
  type SmsDeliveryStore,
  smsReportsFrom,
} from '../../lambdas/domain/sms-delivery.ts';

const clock = { now: () => new Date('2026-12-01T10:00:00Z') };
const NOW = Date.parse('2026-12-01T10:00:00Z') / 1000;

/** Lambda's SNS event carrying these SMS event records (objects as JSON, strings as they are). */
const snsEvent = (...messages: unknown[]) => ({
  Records: messages.map((message) => ({
    Sns: { Message: typeof message === 'string' ? message : JSON.stringify(message) },
  })),
});
const smsEvent = (eventType: string, extra: Record<string, unknown> = {}) => ({
  eventType,
  messageId: 'sms-1',
  destinationPhoneNumber: '+4915112345678',
  context: { [SMS_PARCEL_CONTEXT]: 'P-1' },
  ...extra,
});

describe('smsReportsFrom', () => {
  it('maps End User Messaging’s event types to the code SMS’s status: accepted, delivered, each failure with its kind', () => {
    // Act
    const reports = smsReportsFrom(
      snsEvent(
        smsEvent('TEXT_SUCCESSFUL'),
        smsEvent('TEXT_DELIVERED'),
        smsEvent('TEXT_BLOCKED'),
        smsEvent('TEXT_CARRIER_UNREACHABLE'),
        smsEvent('TEXT_PROTECT_BLOCKED'),
      ),
    );

    // Assess
    expect(reports).toEqual([
      { parcelId: 'P-1', messageId: 'sms-1', status: 'ACCEPTED' },
      { parcelId: 'P-1', messageId: 'sms-1', status: 'DELIVERED' },
      { parcelId: 'P-1', messageId: 'sms-1', status: 'FAILED', failure: 'BLOCKED' },
      { parcelId: 'P-1', messageId: 'sms-1', status: 'FAILED', failure: 'CARRIER_UNREACHABLE' },
      { parcelId: 'P-1', messageId: 'sms-1', status: 'FAILED', failure: 'PROTECT_BLOCKED' },
    ]);
  });

  it('leaves out events that change no status (queued, pending, voice) and SMS without a parcel in their context (the receipt)', () => {
    // Act
    const reports = smsReportsFrom(
      snsEvent(
        smsEvent('TEXT_QUEUED'),
        smsEvent('TEXT_PENDING'),
        smsEvent('VOICE_COMPLETED'),
        smsEvent('TEXT_DELIVERED', { context: undefined }),
        smsEvent('TEXT_DELIVERED', { context: { account: 'other' } }),
      ),
    );

    // Assess
    expect(reports).toEqual([]);
  });

  it('leaves out an adopter’s own text whose context names a parcel in its own words (a shared configuration set)', () => {
    // Act
    const reports = smsReportsFrom(
      snsEvent(smsEvent('TEXT_CARRIER_UNREACHABLE', { context: { parcel: 'DE-123 456', order: '42' } })),
    );

    // Assess
    expect(reports).toEqual([]);
  });

  it('reports no failure End User Messaging marks not final (isFinal false): the message is still being retried', () => {
    // Act
    const reports = smsReportsFrom(
      snsEvent(
        smsEvent('TEXT_CARRIER_UNREACHABLE', { isFinal: false }),
        smsEvent('TEXT_UNKNOWN', { isFinal: false }),
      ),
    );

    // Assess
    expect(reports.filter((found) => found.status === 'FAILED')).toEqual([]);
  });

  it.each([
    ['no records', { Records: [] }, 'Records'],
    ['a message that is not JSON', snsEvent('{'), 'Records.0.Sns.Message'],
    [
      'no message id',
      snsEvent(smsEvent('TEXT_DELIVERED', { messageId: undefined })),
      'Records.0.Sns.Message.messageId',
    ],
    ['an event type in lower case', snsEvent(smsEvent('text_delivered')), 'Records.0.Sns.Message.eventType'],
    [
      'a parcel id out of the alphabet',
      snsEvent(smsEvent('TEXT_DELIVERED', { context: { [SMS_PARCEL_CONTEXT]: 'P 1/..' } })),
      `Records.0.Sns.Message.context.${SMS_PARCEL_CONTEXT}`,
    ],
  ])('fails %s with InvalidSmsEventError naming %s, never echoing the phone number', (_, event, field) => {
    // Act
    let failure: unknown;
    try {
      smsReportsFrom(event);
    } catch (error) {
      failure = error;
    }

    // Assess
    expect(failure).toMatchObject({ name: 'InvalidSmsEventError', field });
    expect(String((failure as Error).message)).not.toContain('4915112345678');
  });
});

/** A store holding `state`; recordSmsDelivery answers `recorded`; the undeliverable claim is once. */
function storeWith(recorded: boolean, state: SmsDeliveryState | undefined) {
  const calls: string[] = [];
  let claimed = false;
  const store: SmsDeliveryStore = {
    recordSmsDelivery: async () => {
      calls.push('record');
      return recorded;
    },
    smsDeliveryState: async () => state,
    claimUndeliverableReport: async () => {
      calls.push('claim');
      const first = !claimed;
      claimed = true;
      return first;
    },
    releaseUndeliverableReport: async () => void calls.push('release'),
  };
  return { store, calls };
}

const report = (fields: Partial<SmsDeliveryReport> = {}): SmsDeliveryReport => ({
  parcelId: 'P-1',
  messageId: 'sms-1',
  status: 'DELIVERED',
  ...fields,
});
const state = (fields: Partial<SmsDeliveryState> = {}): SmsDeliveryState => ({
  issueId: 'i-1',
  status: 'ISSUED',
  smsStatus: 'SENT',
  smsMessageId: 'sms-1',
  ...fields,
});

describe('recordSmsDelivery', () => {
  const deps = (store: SmsDeliveryStore, published: OtpUndeliverableDetail[]) => ({
    store,
    clock,
    publishUndeliverable: async (detail: OtpUndeliverableDetail) => void published.push(detail),
  });

  it('records a delivery and reports nothing', async () => {
    // Prepare
    const { store } = storeWith(true, state());
    const published: OtpUndeliverableDetail[] = [];

    // Act
    const outcome = await recordSmsDelivery(deps(store, published), report());

    // Assess
    expect(outcome).toBe('RECORDED');
    expect(published).toEqual([]);
  });

  it('reports the code undeliverable once when its SMS failed and its email bounced or was rejected, however often the failure arrives', async () => {
    // Prepare: the first write recorded; the redelivery finds the same failure recorded.
    const failed = report({ status: 'FAILED', failure: 'BLOCKED' });
    const published: OtpUndeliverableDetail[] = [];
    const first = storeWith(true, state({ smsDelivery: 'FAILED', emailDelivery: 'REJECTED' }));
    const again = storeWith(false, state({ smsDelivery: 'FAILED', emailDelivery: 'REJECTED' }));
    again.store.claimUndeliverableReport = first.store.claimUndeliverableReport;

    // Act
    const outcomes = [
      await recordSmsDelivery(deps(first.store, published), failed),
      await recordSmsDelivery(deps(again.store, published), failed),
    ];

    // Assess
    expect(outcomes).toEqual(['UNDELIVERABLE', 'ALREADY_REPORTED']);
    expect(published).toEqual([{ parcelId: 'P-1', channel: 'SMS', reason: 'SMS_FAILED' }]);
  });

  it.each([
    ['delivered', 'DELIVERED'],
    ['only sent so far', 'SENT'],
    ['delayed (it may still arrive)', 'DELAYED'],
  ] as const)(
    'records a failure without reporting anything while the email is %s',
    async (_, emailDelivery) => {
      // Prepare
      const { store, calls } = storeWith(true, state({ smsDelivery: 'FAILED', emailDelivery }));
      const published: OtpUndeliverableDetail[] = [];

      // Act
      const outcome = await recordSmsDelivery(
        deps(store, published),
        report({ status: 'FAILED', failure: 'SPAM' }),
      );

      // Assess
      expect(outcome).toBe('RECORDED');
      expect(calls).toEqual(['record']);
      expect(published).toEqual([]);
    },
  );

  it('ignores an event about an older SMS (an older issue, or a resend replaced it) without reporting', async () => {
    // Prepare
    const { store } = storeWith(false, state({ smsMessageId: 'sms-2', emailDelivery: 'BOUNCED' }));
    const published: OtpUndeliverableDetail[] = [];

    // Act
    const outcome = await recordSmsDelivery(
      deps(store, published),
      report({ status: 'FAILED', failure: 'INVALID' }),
    );

    // Assess
    expect(outcome).toBe('IGNORED');
    expect(published).toEqual([]);
  });

  it('retries (typed error) an event that arrives before the sender stored the SMS’s message id', async () => {
    // Prepare: the SMS is still claimed (SENDING), another message id on the item.
    const { store } = storeWith(false, state({ smsStatus: 'SENDING', smsMessageId: undefined }));

    // Act
    const failure = await recordSmsDelivery(deps(store, []), report()).catch((error: Error) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'DeliveryReportEarlyError' });
  });

  it('retries an event that arrives while a resend by SMS holds the code and has not stored its id yet', async () => {
    // Prepare
    const { store } = storeWith(false, state({ smsMessageId: 'sms-0', resendLeaseUntil: NOW + 10 }));

    // Act
    const failure = await recordSmsDelivery(deps(store, []), report()).catch((error: Error) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'DeliveryReportEarlyError' });
  });

  it.each([
    ['verified (someone had the code)', 'VERIFIED'],
    ['revoked (the parcel was cancelled or reissued away)', 'REVOKED'],
  ] as const)(
    'records a late SMS failure on a code already %s without reporting it undeliverable, as the email path does',
    async (_, status) => {
      // Prepare: the email bounced earlier; End User Messaging's failure arrives after the code closed.
      const { store } = storeWith(true, state({ status, smsDelivery: 'FAILED', emailDelivery: 'BOUNCED' }));
      const published: OtpUndeliverableDetail[] = [];

      // Act
      await recordSmsDelivery(deps(store, published), report({ status: 'FAILED', failure: 'TTL_EXPIRED' }));

      // Assess
      expect(published).toEqual([]);
    },
  );
});
