import { describe, expect, it } from 'vitest';
import {
  deliveryReportFrom,
  fallBackToSms,
  parcelIdFromTag,
  parcelTagValue,
  recordEmailDelivery,
  type SmsDeps,
} from '../../lambdas/domain/delivery-status.ts';
import type {
  ConditionalResult,
  DeliveryStatusStore,
  EmailDeliveryReport,
  OtpRecord,
} from '../../lambdas/domain/otp-record.ts';
import { otpRecord } from '../support/fixtures.ts';

const clock = { now: () => new Date('2026-12-01T10:00:00Z') };
const NOW = Date.parse('2026-12-01T10:00:00Z') / 1000;

const sesDetail = (
  eventType: string,
  tags: Record<string, string[]>,
  extra: Record<string, unknown> = {},
) => ({
  eventType,
  mail: { messageId: 'msg-1', tags: { 'ses:configuration-set': ['set'], ...tags } },
  ...extra,
});

/** A store whose recordEmailDelivery answers `result` and remembers what it was asked. */
function storeAnswering(result: ConditionalResult) {
  const asked: EmailDeliveryReport[] = [];
  const store = {
    recordEmailDelivery: async (report: EmailDeliveryReport) => {
      asked.push(report);
      return result;
    },
  } as unknown as DeliveryStatusStore;
  return { store, asked };
}

const record = (fields: Partial<OtpRecord>): OtpRecord =>
  otpRecord({ parcelId: 'P-1', issueId: 'i-1', expiresAt: NOW + 3600, ...fields });

describe('deliveryReportFrom', () => {
  it('reads parcel, message id, status and bounce type from an SES bounce event', () => {
    // Prepare
    const detail = sesDetail(
      'Bounce',
      { parcel: [parcelTagValue('P.1001_x')] },
      { bounce: { bounceType: 'Permanent' } },
    );

    // Act
    const report = deliveryReportFrom(detail);

    // Assess
    expect(report).toEqual({
      parcelId: 'P.1001_x',
      messageId: 'msg-1',
      status: 'BOUNCED',
      bounceType: 'Permanent',
    });
  });

  it('ignores emails without a parcel tag (the receipt), forged tags, and event types with no status', () => {
    // Prepare
    const cases = [
      sesDetail('Delivery', {}),
      sesDetail('Delivery', { parcel: ['not base64url of a parcel id!'] }),
      sesDetail('Delivery', { parcel: [Buffer.from('../etc').toString('base64url')] }),
      sesDetail('Open', { parcel: [parcelTagValue('P-1')] }),
      null,
    ];

    // Act
    const reports = cases.map(deliveryReportFrom);

    // Assess
    expect(reports).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('round-trips every parcel id through the tag, in the alphabet SES allows for tag values', () => {
    // Prepare
    const ids = ['P-1', 'a.b_c-d', 'X'.repeat(64)];

    // Act
    const tags = ids.map(parcelTagValue);

    // Assess
    for (const tag of tags) expect(tag).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(tags.map(parcelIdFromTag)).toEqual(ids);
  });
});

describe('recordEmailDelivery', () => {
  const report: EmailDeliveryReport = { parcelId: 'P-1', messageId: 'msg-1', status: 'BOUNCED' };

  it('records a bounce and asks for the fallback', async () => {
    // Prepare
    const { store, asked } = storeAnswering({ ok: true, record: record({ emailDelivery: 'BOUNCED' }) });

    // Act
    const result = await recordEmailDelivery({ store, clock }, report);

    // Assess
    expect(result).toMatchObject({ outcome: 'RECORDED', fallback: true });
    expect(asked).toEqual([{ ...report, recordedAt: NOW }]);
  });

  it('retries (typed error) an event that arrives before the sender stored the message id', async () => {
    // Prepare
    const { store } = storeAnswering({ ok: false, current: record({ emailStatus: 'SENDING' }) });

    // Act
    const recording = recordEmailDelivery({ store, clock }, report);

    // Assess
    await expect(recording).rejects.toMatchObject({ name: 'DeliveryReportEarlyError' });
  });

  it('ignores a late event about an older email of the parcel, without fallback', async () => {
    // Prepare
    const { store } = storeAnswering({
      ok: false,
      current: record({ emailStatus: 'SENT', emailMessageId: 'msg-2', emailDelivery: 'DELIVERED' }),
    });

    // Act
    const result = await recordEmailDelivery({ store, clock }, report);

    // Assess
    expect(result).toMatchObject({ outcome: 'IGNORED', fallback: false });
  });

  it('runs the fallback again on a redelivered bounce (it is once per code itself), not on a late delivery', async () => {
    // Prepare
    const bounced = record({ emailStatus: 'SENT', emailMessageId: 'msg-1', emailDelivery: 'BOUNCED' });
    const { store } = storeAnswering({ ok: false, current: bounced });

    // Act
    const again = await recordEmailDelivery({ store, clock }, report);
    const late = await recordEmailDelivery({ store, clock }, { ...report, status: 'DELIVERED' });

    // Assess
    expect(again).toMatchObject({ outcome: 'IGNORED', fallback: true });
    expect(late).toMatchObject({ outcome: 'IGNORED', fallback: false });
  });
});

describe('fallBackToSms', () => {
  const KEY = new Uint8Array(32).fill(7);

  /** Stores holding one open code (ciphertext of 123456) and a recipient with or without a phone. */
  async function world(phone?: string) {
    const { encryptOtpCode } = await import('../../lambdas/domain/otp-code.ts');
    const code = record({
      orderId: 'O-1',
      timeZone: 'Europe/Berlin',
      codeCiphertext: encryptOtpCode(KEY, 'P-1', 'i-1', '123456'),
    });
    const calls: string[] = [];
    let reported = false;
    const store = {
      get: async () => code,
      claimSms: async () => {
        calls.push('claimSms');
        return 'CLAIMED';
      },
      markSmsSent: async () => void calls.push('markSmsSent'),
      releaseSmsClaim: async () => void calls.push('releaseSmsClaim'),
      claimUndeliverableReport: async () => {
        calls.push('claimUndeliverableReport');
        const first = !reported;
        reported = true;
        return first;
      },
      releaseUndeliverableReport: async () => void calls.push('releaseUndeliverableReport'),
    } as unknown as SmsDeps['store'];
    const recipients = {
      get: async () => ({
        parcelId: 'P-1',
        email: 'a@example.com',
        name: '',
        locale: 'de-DE',
        ttl: 0,
        ...(phone ? { phone } : {}),
      }),
    };
    const published: unknown[] = [];
    return { store, recipients, calls, published };
  }

  const deps = (w: Awaited<ReturnType<typeof world>>, send: () => Promise<{ messageId: string }>) => ({
    store: w.store,
    recipients: w.recipients,
    messenger: { send },
    encryptionKey: KEY,
    clock,
    claimLeaseSeconds: 30,
    publishUndeliverable: async (detail: unknown) => void w.published.push(detail),
  });

  it('texts the code when a phone is on file: claim, send, mark', async () => {
    // Prepare
    const w = await world('+4915100000001');
    const texts: string[] = [];

    // Act
    const outcome = await fallBackToSms(
      deps(w, async () => {
        texts.push('sent');
        return { messageId: 'm' };
      }),
      'P-1',
      'EMAIL_BOUNCED',
    );

    // Assess
    expect(outcome).toBe('SENT');
    expect(w.calls).toEqual(['claimSms', 'markSmsSent']);
    expect(w.published).toEqual([]);
  });

  it('reports Undeliverable with channel SMS when the SMS service refuses the number for good', async () => {
    // Prepare
    const w = await world('+4915100000002');
    const { SmsRejectedError } = await import('../../lambdas/domain/errors.ts');

    // Act
    const outcome = await fallBackToSms(
      deps(w, async () => {
        throw new SmsRejectedError('SMS refused (ValidationException)');
      }),
      'P-1',
      'EMAIL_BOUNCED',
    );

    // Assess
    expect(outcome).toBe('UNDELIVERABLE');
    expect(w.calls).toEqual(['claimSms', 'releaseSmsClaim', 'claimUndeliverableReport']);
    expect(w.published).toEqual([{ parcelId: 'P-1', channel: 'SMS', reason: 'SMS_REJECTED' }]);
  });

  it('rethrows a transient SMS failure after releasing the claim, reporting nothing', async () => {
    // Prepare
    const w = await world('+4915100000003');
    const { SmsTransientError } = await import('../../lambdas/domain/errors.ts');

    // Act
    const falling = fallBackToSms(
      deps(w, async () => {
        throw new SmsTransientError('SMS failed transiently (ThrottlingException)');
      }),
      'P-1',
      'EMAIL_DELAYED',
    );

    // Assess
    await expect(falling).rejects.toMatchObject({ name: 'SmsTransientError' });
    expect(w.calls).toEqual(['claimSms', 'releaseSmsClaim']);
    expect(w.published).toEqual([]);
  });

  it('without a phone reports Undeliverable once, however often it runs', async () => {
    // Prepare
    const w = await world();
    const never = async (): Promise<{ messageId: string }> => {
      throw new Error('no SMS without a phone');
    };

    // Act
    const outcomes = [
      await fallBackToSms(deps(w, never), 'P-1', 'EMAIL_REJECTED'),
      await fallBackToSms(deps(w, never), 'P-1', 'EMAIL_REJECTED'),
    ];

    // Assess
    expect(outcomes).toEqual(['UNDELIVERABLE', 'ALREADY_REPORTED']);
    expect(w.published).toEqual([{ parcelId: 'P-1', channel: 'EMAIL', reason: 'EMAIL_REJECTED' }]);
  });

  it('reports Undeliverable (SMS, SMS_FAILED) when the code’s SMS went first and was reported failed: the email bounced after it', async () => {
    // Prepare: a resend texted the code, the carrier could not deliver it; now the email bounces.
    const w = await world('+4915100000003');
    const texted = { ...(await w.store.get('P-1')), smsStatus: 'SENT', smsDelivery: 'FAILED' } as OtpRecord;
    Object.assign(w.store, { get: async () => texted, claimSms: async () => 'ALREADY_SENT' });
    const never = async (): Promise<{ messageId: string }> => {
      throw new Error('the SMS went already');
    };

    // Act
    const outcome = await fallBackToSms(deps(w, never), 'P-1', 'EMAIL_BOUNCED');

    // Assess
    expect(outcome).toBe('UNDELIVERABLE');
    expect(w.published).toEqual([{ parcelId: 'P-1', channel: 'SMS', reason: 'SMS_FAILED' }]);
  });

  it('reports nothing when the code’s SMS went first and was delivered: the code reached the recipient', async () => {
    // Prepare
    const w = await world('+4915100000004');
    const texted = {
      ...(await w.store.get('P-1')),
      smsStatus: 'SENT',
      smsDelivery: 'DELIVERED',
    } as OtpRecord;
    Object.assign(w.store, { get: async () => texted, claimSms: async () => 'ALREADY_SENT' });

    // Act
    const outcome = await fallBackToSms(
      deps(w, async () => ({ messageId: 'm' })),
      'P-1',
      'EMAIL_BOUNCED',
    );

    // Assess
    expect(outcome).toBe('ALREADY_SENT');
    expect(w.published).toEqual([]);
  });
});
