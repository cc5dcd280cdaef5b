import { describe, expect, it } from 'vitest';
import { eventBridgeEvent } from '../support/fixtures.ts';
import { smsFallbackTest } from './support.ts';

type Handler = typeof import('../../lambdas/sweep-delayed/handler.ts')['handler'];

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const DELAYED_TIMEOUT_SECONDS = 600;
// A deployment without the `sms` prop sets neither SMS variable.
const fallback = smsFallbackTest<Handler>(
  'sweep-delayed',
  {
    EMAIL_DELAYED_TIMEOUT_SECONDS: String(DELAYED_TIMEOUT_SECONDS),
    SMS_ORIGINATION_IDENTITY: undefined,
    SMS_CONFIGURATION_SET: undefined,
  },
  { now: NOW },
);
const { test: t, texts } = fallback;

describe('sweep-delayed handler without an SMS channel', () => {
  it('reports a code email delayed past the timeout as Delivery Otp Undeliverable (EMAIL_DELAYED), texting nothing although a phone is on file', async () => {
    // Prepare
    const parcelId = await fallback.emailedParcel(
      {
        emailDelivery: 'DELAYED',
        emailDeliveryRank: 2,
        delayedShard: 'DELAYED',
        delayedAt: NOW_SECONDS - DELAYED_TIMEOUT_SECONDS - 1,
      },
      { phone: '+4915112345678' },
    );

    // Act
    const result = await t.handler(
      eventBridgeEvent('Scheduled Event', {}, { source: 'aws.events' }) as never,
      t.context,
    );

    // Assess
    expect(result).toEqual({ swept: 1 });
    expect(texts()).toHaveLength(0);
    fallback.expectUndeliverableOnly(parcelId, 'EMAIL_DELAYED');
  });
});
