import { describe, expect, it } from 'vitest';
import { parcelTagValue } from '../../lambdas/domain/delivery-status.ts';
import { eventBridgeEvent, RECIPIENT_EMAIL } from '../support/fixtures.ts';
import { smsFallbackTest } from './support.ts';

type Handler = typeof import('../../lambdas/record-delivery/handler.ts')['handler'];

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const PHONE = '+4915112345678';
// A deployment without the `sms` prop sets neither SMS variable.
const fallback = smsFallbackTest<Handler>(
  'record-delivery',
  { SMS_ORIGINATION_IDENTITY: undefined, SMS_CONFIGURATION_SET: undefined },
  { now: NOW },
);
const { test: t, texts } = fallback;

const bounce = (parcelId: string) =>
  eventBridgeEvent(
    'Email Bounce',
    {
      eventType: 'Bounce',
      mail: {
        messageId: 'msg-code',
        destination: [RECIPIENT_EMAIL],
        tags: { 'ses:configuration-set': ['secure-delivery'], parcel: [parcelTagValue(parcelId)] },
      },
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: RECIPIENT_EMAIL }] },
    },
    { source: 'aws.ses', time: NOW.toISOString() },
  );

describe('record-delivery handler without an SMS channel', () => {
  it('reports a bounced code email as Delivery Otp Undeliverable exactly as for a recipient without a phone, texting nothing although a phone is on file', async () => {
    // Prepare
    const parcelId = await fallback.emailedParcel(
      { emailDelivery: 'SENT', emailDeliveryRank: 1 },
      { phone: PHONE },
    );

    // Act
    const result = await t.handler(bounce(parcelId), t.context);

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'UNDELIVERABLE' });
    expect(texts()).toHaveLength(0);
    fallback.expectUndeliverableOnly(parcelId, 'EMAIL_BOUNCED');
    // Counted by the function itself (the undeliverable alarm's metric), once.
    const counted = t.output
      .lines()
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(counted).toEqual([expect.objectContaining({ CodeUndeliverable: 1, service: 'record-delivery' })]);
    expect(await t.tables.item(parcelId)).toMatchObject({ emailDelivery: 'BOUNCED' });
    expect((await t.tables.item(parcelId))?.smsStatus).toBeUndefined();
  });
});
