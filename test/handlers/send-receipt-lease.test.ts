import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { eventBridgeEvent, otpRecord, uniqueParcelId } from '../support/fixtures.ts';
import { handlerTestOnTables } from './support.ts';

// The receipt's claim lease decides when a second sender may take over a receipt in flight (one receipt,
// not two): this file sets it to a value other than the contract's default, so a handler that ignored
// EMAIL_CLAIM_LEASE_SECONDS would fail here.

type Handler = typeof import('../../lambdas/send-receipt/handler.ts')['handler'];

const LEASE_SECONDS = 120;
const NOW = new Date('2026-12-01T13:05:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const ses = mockClient(SESClient);

const t = handlerTestOnTables<Handler>(
  'send-receipt',
  {
    SENDER_EMAIL: 'no-reply@secure-delivery.example.com',
    SES_CONFIGURATION_SET: 'secure-delivery',
    EMAIL_CLAIM_LEASE_SECONDS: String(LEASE_SECONDS),
  },
  { mocks: [ses], now: NOW },
);

beforeEach(() => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-receipt' });
});

/** A handed-over parcel whose receipt another sender claimed `secondsAgo` seconds ago. */
async function claimedAgo(secondsAgo: number): Promise<string> {
  const parcelId = uniqueParcelId();
  await t.tables.putParcel(
    otpRecord({
      parcelId,
      status: 'VERIFIED',
      verifiedAt: NOW_SECONDS - 300,
      verifiedBy: 'driver-1',
      receiptStatus: 'SENDING',
      receiptClaimedAt: NOW_SECONDS - secondsAgo,
    }),
  );
  return parcelId;
}

const invoke = (parcelId: string) =>
  t.handler(
    eventBridgeEvent(
      'Parcel Handover Verified',
      { parcelId, verifiedAt: new Date((NOW_SECONDS - 300) * 1000).toISOString() },
      { source: 'secure-delivery', time: NOW.toISOString() },
    ),
    t.context,
  );

describe('send-receipt handler: configured claim lease', () => {
  it('uses a lease other than the default (else this file proves nothing)', () => {
    // Assess
    expect(LEASE_SECONDS).not.toBe(ENVIRONMENT.EMAIL_CLAIM_LEASE_SECONDS.default);
  });

  it('leaves a receipt claimed less than EMAIL_CLAIM_LEASE_SECONDS ago to its sender, sending nothing', async () => {
    // Prepare
    const parcelId = await claimedAgo(LEASE_SECONDS / 2);

    // Act
    const run = invoke(parcelId);

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'EmailInFlightError' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('takes over a receipt claimed more than EMAIL_CLAIM_LEASE_SECONDS ago and sends it', async () => {
    // Prepare
    const parcelId = await claimedAgo(LEASE_SECONDS + 1);

    // Act
    const result = await invoke(parcelId);

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});
