import { describe, expect, it } from 'vitest';
import {
  deliveryReportFrom,
  parcelIdFromTag,
  parcelTagValue,
  recordEmailDelivery,
} from '../../lambdas/domain/delivery-status.ts';
import type {
  ConditionalResult,
  DeliveryStatusStore,
  EmailDeliveryReport,
  OtpRecord,
} from '../../lambdas/domain/otp-record.ts';

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
  ({ parcelId: 'P-1', issueId: 'i-1', status: 'ISSUED', expiresAt: NOW + 3600, ...fields }) as OtpRecord;

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
