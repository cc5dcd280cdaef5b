import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { describe, expect, it, vi } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';
import { eventBridgeEvent, OTP_CODE, RECIPIENT_EMAIL, RECIPIENT_NAME } from '../support/fixtures.ts';
import { smsFallbackTest } from './support.ts';

type Handler = typeof import('../../lambdas/sweep-delayed/handler.ts')['handler'];

// The sweep reads every parcel in the delayed index, and the table is shared by the file's tests: each
// test gives its parcels their own phone and leaves nothing in the index that a later sweep would take.

// 2026-12-01 14:00 in Berlin: the codes (valid to 23:00 UTC) are open.
const NOW = new Date('2026-12-01T13:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
// Both other than the contract's defaults (1800 and 30), so a handler ignoring its environment fails here.
const DELAYED_TIMEOUT_SECONDS = 600;
const SMS_LEASE_SECONDS = 90;
const fallback = smsFallbackTest<Handler>(
  'sweep-delayed',
  {
    EMAIL_DELAYED_TIMEOUT_SECONDS: String(DELAYED_TIMEOUT_SECONDS),
    SMS_CLAIM_LEASE_SECONDS: String(SMS_LEASE_SECONDS),
  },
  { now: NOW },
);
const { test: t, sms, texts, published } = fallback;

let phoneSerial = 0;
/** A phone number no other parcel of this file has. */
const uniquePhone = () => `+49151100${String(++phoneSerial).padStart(5, '0')}`;

/**
 * A parcel of its own whose code email SES reported DELAYED `delayedFor` seconds ago (as record-delivery
 * writes it), and its recipient.
 */
const delayedParcel = (
  delayedFor: number,
  overrides: Partial<OtpRecord> = {},
  recipient: Partial<RecipientRecord> = {},
) =>
  fallback.emailedParcel(
    {
      emailDelivery: 'DELAYED',
      emailDeliveryRank: 2,
      delayedShard: 'DELAYED',
      delayedAt: NOW_SECONDS - delayedFor,
      ...overrides,
    },
    recipient,
  );

// The schedule's event; the handler reads nothing from it.
const sweep = () =>
  t.handler(eventBridgeEvent('Scheduled Event', {}, { source: 'aws.events' }) as never, t.context) as Promise<
    Record<string, unknown>
  >;
const textsTo = (phone: string) => texts().filter((input) => input.DestinationPhoneNumber === phone);

describe('sweep-delayed handler', () => {
  it('uses a timeout and an SMS lease other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(DELAYED_TIMEOUT_SECONDS).not.toBe(ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default);
    expect(SMS_LEASE_SECONDS).not.toBe(ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default);
  });

  it('texts the code once when its email has been DELAYED longer than EMAIL_DELAYED_TIMEOUT_SECONDS, and takes it out of the index', async () => {
    // Prepare: delayed past the configured timeout, well within the default one.
    expect(DELAYED_TIMEOUT_SECONDS + 1).toBeLessThan(ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default);
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1, {}, { phone });

    // Act
    const result = await sweep();
    const again = await sweep();

    // Assess
    expect(result).toEqual({ swept: 1 });
    expect(again).toEqual({ swept: 0 });
    expect(textsTo(phone)).toHaveLength(1);
    expect(textsTo(phone)[0]?.MessageBody).toContain(OTP_CODE);
    const item = await t.tables.item(parcelId);
    expect(item).toMatchObject({ smsStatus: 'SENT', lastChannel: 'SMS', emailDelivery: 'DELAYED' });
    expect(item?.delayedShard).toBeUndefined();
    expect(item?.delayedAt).toBeUndefined();
    expect(published()).toHaveLength(0);
  });

  it('leaves an email DELAYED for less than EMAIL_DELAYED_TIMEOUT_SECONDS in the index, texting nothing', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS - 1, {}, { phone });

    // Act
    const result = await sweep();

    // Assess
    expect(result).toEqual({ swept: 0 });
    expect(textsTo(phone)).toHaveLength(0);
    expect(await t.tables.item(parcelId)).toMatchObject({
      delayedShard: 'DELAYED',
      delayedAt: NOW_SECONDS - DELAYED_TIMEOUT_SECONDS + 1,
    });
  });

  it('without a phone on file publishes Delivery Otp Undeliverable (EMAIL_DELAYED) once, with ids and reason only', async () => {
    // Prepare
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1);

    // Act
    const result = await sweep();
    const again = await sweep();

    // Assess
    expect(result).toEqual({ swept: 1 });
    expect(again).toEqual({ swept: 0 });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
    fallback.expectUndeliverableOnly(parcelId, 'EMAIL_DELAYED');
    expect((await t.tables.item(parcelId))?.undeliverableAt).toBe(NOW_SECONDS);
  });

  it('sends no SMS for a code the SMS already went out for, and clears it from the index', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1, { smsStatus: 'SENT' }, { phone });

    // Act
    const result = await sweep();

    // Assess
    expect(result).toEqual({ swept: 1 });
    expect(textsTo(phone)).toHaveLength(0);
    expect((await t.tables.item(parcelId))?.delayedShard).toBeUndefined();
  });

  it('sends no SMS for a code closed while its email was delayed (handed over), and clears it from the index', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(
      DELAYED_TIMEOUT_SECONDS + 1,
      { status: 'VERIFIED', verifiedAt: NOW_SECONDS - 60, verifiedBy: 'driver-1' },
      { phone },
    );

    // Act
    const result = await sweep();

    // Assess
    expect(result).toEqual({ swept: 1 });
    expect(textsTo(phone)).toHaveLength(0);
    expect(published()).toHaveLength(0);
    expect((await t.tables.item(parcelId))?.delayedShard).toBeUndefined();
  });

  it('fails the run (to the DLQ) when an SMS fails transiently, keeping the parcel for the next sweep, which texts it', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1, {}, { phone });
    sms
      .on(SendTextMessageCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ MessageId: 'sms-1' });

    // Act
    const failed = sweep();
    await expect(failed).rejects.toThrow('1 delayed code emails could not fall back');
    const kept = await t.tables.item(parcelId);
    const next = await sweep();

    // Assess
    expect(kept).toMatchObject({ delayedShard: 'DELAYED' });
    expect(kept?.smsStatus).toBeUndefined();
    expect(next).toEqual({ swept: 1 });
    expect((await t.tables.item(parcelId))?.smsStatus).toBe('SENT');
    expect((await t.tables.item(parcelId))?.delayedShard).toBeUndefined();
  });

  it('holds the SMS claim for SMS_CLAIM_LEASE_SECONDS while the text is on its way', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1, {}, { phone });
    let leaseWhileSending: unknown;
    sms.on(SendTextMessageCommand).callsFake(async () => {
      leaseWhileSending = (await t.tables.item(parcelId))?.smsLeaseUntil;
      return { MessageId: 'sms-1' };
    });

    // Act
    await sweep();

    // Assess
    expect(leaseWhileSending).toBe(NOW_SECONDS + SMS_LEASE_SECONDS);
  });

  it('leaves a claim younger than SMS_CLAIM_LEASE_SECONDS to its sender, taking it over once the lease ran out', async () => {
    // Prepare: claimed longer ago than the default lease, within the configured one.
    const claimedFor = ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default + 1;
    expect(claimedFor).toBeLessThan(SMS_LEASE_SECONDS);
    const phone = uniquePhone();
    const parcelId = await delayedParcel(
      DELAYED_TIMEOUT_SECONDS + 1,
      { smsStatus: 'SENDING', smsClaimedAt: NOW_SECONDS - claimedFor },
      { phone },
    );

    // Act
    const whileHeld = sweep();
    await expect(whileHeld).rejects.toThrow('1 delayed code emails could not fall back');
    const textsWhileHeld = textsTo(phone).length;
    vi.setSystemTime(new Date((NOW_SECONDS - claimedFor + SMS_LEASE_SECONDS + 1) * 1000));
    const afterLease = await sweep();

    // Assess
    expect(textsWhileHeld).toBe(0);
    // Not `swept: 1`: a minute on, the earlier test's parcel delayed just under the timeout is due too.
    expect(afterLease.swept).toBeGreaterThanOrEqual(1);
    expect(textsTo(phone)).toHaveLength(1);
    expect((await t.tables.item(parcelId))?.delayedShard).toBeUndefined();
  });

  it('logs ids and outcomes only: no code, phone, address or name', async () => {
    // Prepare
    const phone = uniquePhone();
    const parcelId = await delayedParcel(DELAYED_TIMEOUT_SECONDS + 1, {}, { phone });

    // Act
    await sweep();

    // Assess
    const logged = t.output.text();
    expect(logged).toContain(parcelId);
    for (const secret of [OTP_CODE, phone, RECIPIENT_EMAIL, RECIPIENT_NAME])
      expect(logged).not.toContain(secret);
  });
});
