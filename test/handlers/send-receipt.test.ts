import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import {
  eventBridgeEvent,
  ORDER_ID,
  otpRecord,
  RECIPIENT_EMAIL,
  uniqueParcelId,
} from '../support/fixtures.ts';
import { handlerTestOnTables } from './support.ts';

type Handler = typeof import('../../lambdas/send-receipt/handler.ts')['handler'];

// The claim lease decides when a second sender may take over a receipt in flight (one receipt, not two):
// other than the contract's default, so a handler that ignored EMAIL_CLAIM_LEASE_SECONDS fails here.
const LEASE_SECONDS = 120;
const NOW = new Date('2026-12-01T13:05:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const VERIFIED_AT = Date.parse('2026-12-01T13:00:00Z') / 1000;
/** The handover's time as `Parcel Handover Verified` announced it. */
const ANNOUNCED_AT = '2026-12-01T13:00:00.000Z';
const ses = mockClient(SESClient);
const sms = mockClient(PinpointSMSVoiceV2Client);

const t = handlerTestOnTables<Handler>(
  'send-receipt',
  { EMAIL_CLAIM_LEASE_SECONDS: String(LEASE_SECONDS) },
  { mocks: [ses, sms], now: NOW },
);

beforeEach(() => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-receipt' });
  sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-receipt' });
});

/** A parcel of its own per test, handed over at VERIFIED_AT unless `overrides` say otherwise. */
async function handedOver(overrides: Partial<OtpRecord> = {}): Promise<string> {
  const parcelId = uniqueParcelId();
  await t.tables.putParcel(
    otpRecord({
      parcelId,
      status: 'VERIFIED',
      verifiedAt: VERIFIED_AT,
      verifiedBy: 'driver-1',
      ...overrides,
    }),
  );
  return parcelId;
}

const verifiedEvent = (detail: unknown) =>
  eventBridgeEvent('Parcel Handover Verified', detail, {
    source: 'secure-delivery',
    time: NOW.toISOString(),
  });
const invoke = (detail: unknown) => t.handler(verifiedEvent(detail), t.context);
const emailed = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);

describe('send-receipt handler', () => {
  it('emails the recipient a receipt of the handover once, and marks it sent', async () => {
    // Prepare
    const parcelId = await handedOver();

    // Act
    const result = await invoke({ parcelId, verifiedAt: '2026-12-01T13:00:00.000Z' });

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(emailed()).toHaveLength(1);
    expect(emailed()[0]?.Destination?.ToAddresses).toEqual([RECIPIENT_EMAIL]);
    expect(emailed()[0]?.Message?.Subject?.Data).toContain(ORDER_ID);
    expect((await t.tables.item(parcelId))?.receiptStatus).toBe('SENT');
  });

  it('texts the receipt instead when the code email bounced and a phone is on file, once per handover', async () => {
    // Prepare
    const parcelId = uniqueParcelId();
    await t.tables.putParcel(
      otpRecord({
        parcelId,
        status: 'VERIFIED',
        verifiedAt: VERIFIED_AT,
        verifiedBy: 'driver-1',
        emailDelivery: 'BOUNCED',
      }),
      { phone: '+4915112345678', locale: 'en-GB' },
    );

    // Act
    await invoke({ parcelId, driverId: 'driver-1', verifiedAt: NOW.toISOString() });
    await invoke({ parcelId, driverId: 'driver-1', verifiedAt: NOW.toISOString() });

    // Assess
    const texts = sms.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ DestinationPhoneNumber: '+4915112345678', MaxPrice: '0.30' });
    expect(texts[0]?.MessageBody).toMatch(
      new RegExp(`^Secure Delivery: parcel ${parcelId} \\(order ${ORDER_ID}\\) was handed over`),
    );
    expect(texts[0]?.MessageBody).toContain('Not you?');
    expect(emailed()).toEqual([]);
  });

  it('sends no second receipt when the event is delivered again', async () => {
    // Prepare
    const parcelId = await handedOver();
    await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Act
    const again = await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Assess
    expect(again).toEqual({ parcelId, outcome: 'ALREADY_SENT' });
    expect(emailed()).toHaveLength(1);
  });

  it('uses a lease other than the default (else the lease tests prove nothing)', () => {
    // Assess
    expect(LEASE_SECONDS).not.toBe(ENVIRONMENT.EMAIL_CLAIM_LEASE_SECONDS.default);
  });

  it('leaves a receipt claimed less than EMAIL_CLAIM_LEASE_SECONDS ago to its sender (Lambda retries after the lease), sending nothing', async () => {
    // Prepare
    const parcelId = await handedOver({
      receiptStatus: 'SENDING',
      receiptClaimedAt: NOW_SECONDS - LEASE_SECONDS / 2,
    });

    // Act
    const run = invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'EmailInFlightError' });
    expect(emailed()).toHaveLength(0);
  });

  it('takes over a receipt claimed more than EMAIL_CLAIM_LEASE_SECONDS ago (a try that died) and sends it', async () => {
    // Prepare
    const parcelId = await handedOver({
      receiptStatus: 'SENDING',
      receiptClaimedAt: NOW_SECONDS - LEASE_SECONDS - 1,
    });

    // Act
    const result = await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(emailed()).toHaveLength(1);
  });

  it('tells the recipient of an announced handover when the record no longer reads VERIFIED, at the announced time, and claims it', async () => {
    // Prepare: a verify write put the record back to ISSUED after the pipe announced it.
    const parcelId = await handedOver({ status: 'ISSUED', verifiedAt: undefined, verifiedBy: undefined });

    // Act
    const result = await invoke({ parcelId, verifiedAt: '2026-12-01T12:34:00.000Z' });

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'SENT' });
    expect(emailed()).toHaveLength(1);
    expect(JSON.stringify(emailed()[0]?.Message)).toMatch(/12:34|13:34/);
    expect((await t.tables.item(parcelId))?.receiptStatus).toBe('SENT');
  });

  it('settles the claim with no recipient left (NO_RECIPIENT), sending nothing, so no later write is announced', async () => {
    // Prepare: the recipient deleted (a closure, or TTL).
    const parcelId = uniqueParcelId();
    await t.tables.put(otpRecord({ parcelId, status: 'VERIFIED', verifiedAt: VERIFIED_AT, verifiedBy: 'd' }));

    // Act
    const result = await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });
    const again = await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Assess
    expect([result, again]).toEqual([
      { parcelId, outcome: 'NO_RECIPIENT' },
      { parcelId, outcome: 'ALREADY_SENT' },
    ]);
    expect(emailed()).toHaveLength(0);
    expect((await t.tables.item(parcelId))?.receiptStatus).toBe('NO_RECIPIENT');
  });

  it('fails when SES fails, releasing the claim so the retry sends the receipt', async () => {
    // Prepare
    const parcelId = await handedOver();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'Throttling' }))
      .resolves({ MessageId: 'msg-receipt' });

    // Act
    const first = invoke({ parcelId, verifiedAt: ANNOUNCED_AT });
    await expect(first).rejects.toMatchObject({ name: 'EmailThrottledError' });
    const retried = await invoke({ parcelId, verifiedAt: ANNOUNCED_AT });

    // Assess
    expect(retried).toEqual({ parcelId, outcome: 'SENT' });
    expect((await t.tables.item(parcelId))?.receiptStatus).toBe('SENT');
  });

  it('throws InvalidParcelEventError naming detail.parcelId for a malformed event, sending nothing', async () => {
    // Act
    const run = invoke({ parcelId: 'PCL 1/..', verifiedAt: ANNOUNCED_AT });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'detail.parcelId' });
    expect(emailed()).toHaveLength(0);
  });
});
