import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { decryptOtpCode } from '../../lambdas/domain/otp-code.ts';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { codeMac } from '../domain/fake-code-hasher.ts';
import {
  DRIVER_ID,
  eventBridgeEvent,
  ISSUE_ID,
  OTP_CODE,
  otpRecordHolding,
  PARCEL_ID,
  uniqueParcelId,
} from '../support/fixtures.ts';
import { answerEncryptionSecret, answerGenerateMac, ENCRYPTION_KEY, handlerTestOnTables } from './support.ts';

type Handler = typeof import('../../lambdas/apply-lifecycle/handler.ts')['handler'];

// 2026-12-01 14:00 in Berlin, an hour after the failed attempt.
const NOW = new Date('2026-12-01T13:00:00Z');
const FAILED_AT = '2026-12-01T12:00:00Z';
const TOMORROW = '2026-12-02';
const DAY = 86_400;
// All other than the contract's defaults, so a test sees the handler honour them: the per-parcel cap of
// wrong codes also stops reissuing (a fresh code would be fresh tries).
const MAX_DAYS_AHEAD = 120;
const RETENTION_DAYS = 45;
const PER_PARCEL = 6;
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);

const t = handlerTestOnTables<Handler>(
  'apply-lifecycle',
  {
    RECORD_RETENTION_DAYS: String(RETENTION_DAYS),
    MAX_DELIVERY_DAYS_AHEAD: String(MAX_DAYS_AHEAD),
    MAX_WRONG_ATTEMPTS_PER_PARCEL: String(PER_PARCEL),
  },
  { mocks: [secrets, kms], now: NOW },
);

beforeEach(() => {
  answerGenerateMac(kms);
  answerEncryptionSecret(secrets);
});

/** A parcel of its own per test: its code (bound to the driver who failed) and its recipient. */
async function parcelWith(overrides: Partial<OtpRecord> = {}): Promise<string> {
  const parcelId = uniqueParcelId();
  await t.tables.putParcel(
    otpRecordHolding(OTP_CODE, ENCRYPTION_KEY, { parcelId, boundAt: 1_796_090_000, ...overrides }),
  );
  return parcelId;
}

const failure = (parcelId: string, nextAttemptDate?: string, time = FAILED_AT) =>
  eventBridgeEvent(
    'Delivery Attempt Failed',
    { parcelId, driverId: DRIVER_ID, reason: 'NOBODY_HOME', ...(nextAttemptDate ? { nextAttemptDate } : {}) },
    { time },
  );
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY * 1000).toISOString().slice(0, 10);
const invoke = (event: unknown) =>
  t.handler(event as Parameters<typeof t.handler>[0], t.context) as Promise<Record<string, unknown>>;

describe('apply-lifecycle handler', () => {
  it('reissues a fresh code for the next attempt: stored hashed and encrypted, the failed driver unbound, the recipient kept as long', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const result = await invoke(failure(parcelId, TOMORROW));

    // Assess
    const validUntil = Date.parse('2026-12-02T23:00:00Z') / 1000;
    expect(result).toEqual({
      outcome: 'REISSUED',
      parcelId,
      issueId: expect.any(String),
      validUntil: '2026-12-02T23:00:00.000Z',
    });
    const item = (await t.tables.item(parcelId)) as OtpRecord;
    expect(item).toMatchObject({
      issueId: result.issueId,
      status: 'ISSUED',
      deliveryDate: TOMORROW,
      issueCount: 2,
    });
    expect(item.driverId).toBeUndefined();
    const code = decryptOtpCode(ENCRYPTION_KEY, parcelId, item.issueId, item.codeCiphertext);
    expect(code).not.toBe(OTP_CODE);
    expect(item.codeHash).toBe(codeMac(parcelId, code));
    expect(item.previousCodeHash).toBe(codeMac(parcelId, OTP_CODE));
    expect(JSON.stringify(result)).not.toContain(code);
    expect((await t.tables.recipient(parcelId))?.ttl).toBe(validUntil + RETENTION_DAYS * DAY);
  });

  it('reports the same code again for a redelivered failure, issuing no second one', async () => {
    // Prepare
    const parcelId = await parcelWith();
    const first = await invoke(failure(parcelId, TOMORROW));

    // Act
    const again = await invoke(failure(parcelId, TOMORROW));

    // Assess
    expect(again).toEqual(first);
    expect((await t.tables.item(parcelId))?.issueCount).toBe(2);
  });

  it('revokes the code when the failed attempt has no next date', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const result = await invoke(failure(parcelId));

    // Assess
    expect(result).toEqual({ outcome: 'REVOKED', parcelId, closed: false });
    expect(await t.tables.item(parcelId)).toMatchObject({ status: 'REVOKED', issueId: ISSUE_ID });
    expect(await t.tables.recipient(parcelId)).toBeDefined();
  });

  it('reissues for a next attempt further ahead than the default allows, up to MAX_DELIVERY_DAYS_AHEAD', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const result = await invoke(failure(parcelId, inDays(100)));

    // Assess
    expect(result).toMatchObject({ outcome: 'REISSUED', parcelId });
    expect(await t.tables.item(parcelId)).toMatchObject({ status: 'ISSUED', deliveryDate: inDays(100) });
  });

  it('revokes instead of reissuing for a next date beyond MAX_DELIVERY_DAYS_AHEAD', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const result = await invoke(failure(parcelId, inDays(MAX_DAYS_AHEAD + 1)));

    // Assess
    expect(result).toEqual({ outcome: 'REVOKED', parcelId, closed: false });
    expect((await t.tables.item(parcelId))?.issueId).toBe(ISSUE_ID);
  });

  it('locks the parcel at MAX_WRONG_ATTEMPTS_PER_PARCEL wrong codes: no new code', async () => {
    // Prepare
    const parcelId = await parcelWith({ totalWrongAttempts: PER_PARCEL });

    // Act
    const result = await invoke(failure(parcelId, TOMORROW));

    // Assess
    expect(result).toEqual({ outcome: 'LOCKED', parcelId, totalWrongAttempts: PER_PARCEL });
    expect(await t.tables.item(parcelId)).toMatchObject({ status: 'REVOKED', issueId: ISSUE_ID });
  });

  it.each(['Parcel Returned', 'Shipment Cancelled'])(
    'closes the parcel on %s: code revoked for good and the recipient forgotten',
    async (detailType) => {
      // Prepare
      const parcelId = await parcelWith();

      // Act
      const result = await invoke(eventBridgeEvent(detailType, { parcelId }));

      // Assess
      expect(result).toEqual({ outcome: 'REVOKED', parcelId, closed: true });
      expect(await t.tables.item(parcelId)).toMatchObject({
        status: 'REVOKED',
        closedAt: NOW.getTime() / 1000,
      });
      expect(await t.tables.recipient(parcelId)).toBeUndefined();
    },
  );

  it('keeps a closed parcel for the configured days ahead plus retention', async () => {
    // Prepare: no code yet, so the closure leaves a placeholder that bars one.
    const parcelId = uniqueParcelId();

    // Act
    await invoke(eventBridgeEvent('Parcel Returned', { parcelId }));

    // Assess
    const placeholder = await t.tables.item(parcelId);
    expect(placeholder).toMatchObject({ closedAt: NOW.getTime() / 1000 });
    expect(Number(placeholder?.ttl) - NOW.getTime() / 1000).toBe((MAX_DAYS_AHEAD + RETENTION_DAYS) * DAY);
  });

  it('refuses a failure stamped in the future (EVENT_TIME_IN_FUTURE, InvalidParcelEventError naming time), changing nothing', async () => {
    // Prepare
    const parcelId = await parcelWith();
    const before = await t.tables.item(parcelId);

    // Act
    const result = await invoke(failure(parcelId, TOMORROW, '2026-12-01T14:00:00Z'));

    // Assess
    expect(result).toMatchObject({
      outcome: 'REFUSED',
      refusal: {
        detail: {
          parcelId,
          refusedDetailType: 'Delivery Attempt Failed',
          reason: 'EVENT_TIME_IN_FUTURE',
          field: 'time',
        },
        error: 'InvalidParcelEventError',
      },
    });
    expect(await t.tables.item(parcelId)).toEqual(before);
  });

  it('refuses a return stamped in the future too: the parcel stays open', async () => {
    // Prepare
    const parcelId = await parcelWith();
    const before = await t.tables.item(parcelId);

    // Act
    const result = await invoke(
      eventBridgeEvent('Parcel Returned', { parcelId }, { time: '2026-12-01T14:00:00Z' }),
    );

    // Assess
    expect(result).toMatchObject({
      outcome: 'REFUSED',
      refusal: { detail: { reason: 'EVENT_TIME_IN_FUTURE' } },
    });
    expect(await t.tables.item(parcelId)).toEqual(before);
  });

  it.each<[string, Partial<OtpRecord> | undefined, string]>([
    ['a parcel without a code', undefined, 'PARCEL_UNKNOWN'],
    ['a handed-over parcel', { status: 'VERIFIED' }, 'PARCEL_HANDED_OVER'],
    ['a returned parcel', { status: 'REVOKED', closedAt: 1_796_000_000 }, 'PARCEL_CLOSED'],
  ])('refuses a failure for %s (%s), changing nothing', async (_case, overrides, reason) => {
    // Prepare
    const parcelId = overrides ? await parcelWith(overrides) : uniqueParcelId();
    const before = await t.tables.item(parcelId);

    // Act
    const result = await invoke(failure(parcelId));

    // Assess
    expect(result).toEqual({
      outcome: 'REFUSED',
      refusal: {
        detail: {
          parcelId,
          refusedDetailType: 'Delivery Attempt Failed',
          reason,
          eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        },
      },
    });
    expect(await t.tables.item(parcelId)).toEqual(before);
  });

  it.each<[string, unknown, string]>([
    ['an unknown detail-type', eventBridgeEvent('Parcel Shipped', { parcelId: PARCEL_ID }), 'detail-type'],
    [
      'an unknown failure reason',
      eventBridgeEvent('Delivery Attempt Failed', {
        parcelId: PARCEL_ID,
        driverId: DRIVER_ID,
        reason: 'LOST',
      }),
      'detail.reason',
    ],
    ['a closure without a parcel id', eventBridgeEvent('Parcel Returned', {}), 'detail.parcelId'],
  ])(
    'refuses %s with InvalidParcelEventError naming the field (INVALID_FIELD), writing nothing',
    async (_case, event, field) => {
      // Prepare
      const before = await t.tables.item(PARCEL_ID);

      // Act
      const result = await invoke(event);

      // Assess
      expect(result).toMatchObject({
        outcome: 'REFUSED',
        refusal: {
          detail: { reason: 'INVALID_FIELD', field },
          error: 'InvalidParcelEventError',
          cause: expect.stringContaining(field),
        },
      });
      expect(await t.tables.item(PARCEL_ID)).toEqual(before);
      expect(kms.calls()).toHaveLength(0);
    },
  );
});

describe('apply-lifecycle handler: configured parcel cap and retention', () => {
  it('uses a cap and a retention other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(PER_PARCEL).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default);
    expect(RETENTION_DAYS).not.toBe(ENVIRONMENT.RECORD_RETENTION_DAYS.default);
    expect(MAX_DAYS_AHEAD).not.toBe(ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default);
  });

  it('reissues only while the parcel is under the cap, and keeps the record RECORD_RETENTION_DAYS past the new code', async () => {
    // Prepare
    const parcelId = await parcelWith({ totalWrongAttempts: PER_PARCEL - 1 });

    // Act
    const result = await invoke(failure(parcelId, TOMORROW));

    // Assess
    expect(result).toMatchObject({ outcome: 'REISSUED', parcelId });
    const item = (await t.tables.item(parcelId)) as OtpRecord;
    expect(item.issueId).not.toBe(ISSUE_ID);
    expect(item.ttl - item.expiresAt).toBe(RETENTION_DAYS * DAY);
  });
});
