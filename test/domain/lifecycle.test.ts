import { beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryAttemptFailedDetail } from '../../lambdas/domain/events/carrier-events.ts';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import {
  handleDeliveryAttemptFailed,
  type LifecycleDeps,
  revokeCode,
} from '../../lambdas/domain/lifecycle.ts';
import { decryptOtpCode } from '../../lambdas/domain/otp-code.ts';
import type { Clock, OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { resendCode } from '../../lambdas/domain/recipient.ts';
import { verifyHandover } from '../../lambdas/domain/verification.ts';
import { otpRecordHolding } from '../support/fixtures.ts';
import { testCodeHasher } from './fake-code-hasher.ts';
import { FakeOtpStore } from './fake-otp-store.ts';
import { FakeRecipientStore } from './fake-recipient-store.ts';

const ENCRYPTION_KEY = deriveKey('e'.repeat(64), 'otp-encryption');
const PARCEL = 'PCL-42';
const FIRST_ISSUE = '0b6f2f5e-3c1a-4d8e-9f00-1234567890ab';
const FIRST_CODE = '482913';
// 2026-12-01 14:00 in Berlin; the first code is for that day and expires at the end of it.
const NOW = new Date('2026-12-01T13:00:00Z');
const TODAY = '2026-12-01';
const TOMORROW = '2026-12-02';
const EXPIRES_AT = Date.parse('2026-12-01T23:00:00Z') / 1000;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

function firstCode(overrides: Partial<OtpRecord> = {}): OtpRecord {
  return otpRecordHolding(FIRST_CODE, ENCRYPTION_KEY, {
    parcelId: PARCEL,
    orderId: 'ORD-42',
    issueId: FIRST_ISSUE,
    issuedAt: EXPIRES_AT - 2 * 86_400,
    driverId: 'D-1',
    boundAt: seconds(minutesBefore(180)),
    ...overrides,
  });
}

let store: FakeOtpStore;
let recipients: FakeRecipientStore;
/** The recipient of every parcel here, kept apart from the code as the recipient table keeps it. */
const seedRecipient = () =>
  recipients.seed({
    parcelId: PARCEL,
    email: 'erika@example.com',
    name: 'Erika Mustermann',
    locale: 'en-GB',
    ttl: EXPIRES_AT + 30 * 86_400,
  });
const clock: Clock = { now: () => new Date(NOW) };
const deps = (): LifecycleDeps => ({
  store,
  recipients,
  keys: { codeHasher: testCodeHasher, encryptionKey: ENCRYPTION_KEY },
  clock,
  retentionDays: 30,
  maxDaysAhead: 60,
  maxWrongAttemptsPerParcel: 10,
});
const failed = (
  at: Date,
  nextAttemptDate?: string,
  driverId = 'D-1',
  reason: DeliveryAttemptFailedDetail['reason'] = 'NOBODY_HOME',
) =>
  handleDeliveryAttemptFailed(
    deps(),
    { parcelId: PARCEL, driverId, reason, ...(nextAttemptDate ? { nextAttemptDate } : {}) },
    at,
  );
const outForDelivery = (driverId: string, at: Date) => store.assignDriver(PARCEL, driverId, seconds(at));
const verify = (code: string, driverId: string) =>
  verifyHandover(
    { store, codeHasher: testCodeHasher, clock, maxWrongAttempts: 5, maxWrongAttemptsPerParcel: 10 },
    { parcelId: PARCEL, driverId, code },
  );
/** The code the store holds now, decrypted as the send step would. */
const currentCode = () => {
  const item = store.peek(PARCEL) as OtpRecord;
  return decryptOtpCode(ENCRYPTION_KEY, PARCEL, item.issueId, item.codeCiphertext);
};

beforeEach(() => {
  store = new FakeOtpStore();
  recipients = new FakeRecipientStore();
  seedRecipient();
});

describe('lifecycle events are ordered by event time', () => {
  it('leaves the reissued code and its new driver alone when an older failure without a date arrives late', async () => {
    // Prepare: failure at T reissues, the next attempt's Out For Delivery binds D-2
    store.seed(firstCode());
    await failed(minutesBefore(60), TOMORROW);
    const reissuedCode = currentCode();
    await outForDelivery('D-2', minutesBefore(30));

    // Act: a dateless failure stamped an hour before the reissue's failure
    const late = await failed(minutesBefore(120));

    // Assess
    expect(late).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'STALE' });
    expect(store.peek(PARCEL)).toMatchObject({ status: 'ISSUED', driverId: 'D-2', deliveryDate: TOMORROW });
    expect(await verify(reissuedCode, 'D-2')).toMatchObject({ verified: true });
  });

  it('issues nothing for a late dated failure older than the one already applied', async () => {
    // Prepare
    store.seed(firstCode());
    const applied = await failed(minutesBefore(60), TOMORROW);

    // Act
    const late = await failed(minutesBefore(90), '2026-12-03');

    // Assess
    expect(applied.outcome).toBe('REISSUED');
    expect(late).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'STALE' });
    expect(store.peek(PARCEL)).toMatchObject({ deliveryDate: TOMORROW, issueCount: 2 });
    expect(store.callCount('reissue')).toBe(1);
  });

  it('does not bring a revoked code back with a late dated failure older than the revocation', async () => {
    // Prepare
    store.seed(firstCode());
    await failed(minutesBefore(30), undefined, 'D-1', 'REFUSED');

    // Act
    const late = await failed(minutesBefore(45), TOMORROW);

    // Assess
    expect(late).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'STALE' });
    expect(store.peek(PARCEL)).toMatchObject({ status: 'REVOKED', issueId: FIRST_ISSUE });
  });

  it('reports the revocation again when the same failure without a date is delivered twice, and changes nothing', async () => {
    // Prepare
    store.seed(firstCode());
    const at = minutesBefore(10);
    await failed(at, undefined, 'D-1', 'REFUSED');
    const revoked = store.peek(PARCEL);

    // Act
    const again = await failed(at, undefined, 'D-1', 'REFUSED');

    // Assess
    expect(again).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: false });
    expect(store.peek(PARCEL)).toEqual(revoked);
  });

  it('applies two different failures stamped in the same second, in the order they arrive', async () => {
    // Prepare
    store.seed(firstCode());
    const at = minutesBefore(10);
    await failed(at, TOMORROW);

    // Act: the carrier corrects itself within the second: no next attempt after all
    const correction = await failed(at, undefined, 'D-1', 'REFUSED');

    // Assess
    expect(correction).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: false });
  });

  it('closes the parcel whatever the closure’s event time, and no later failure reissues', async () => {
    // Prepare
    store.seed(firstCode());
    await failed(minutesBefore(60), TOMORROW);

    // Act
    const closed = await revokeCode(deps(), PARCEL, { close: true });
    const after = await failed(minutesBefore(1), '2026-12-03');

    // Assess
    expect(closed).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: true });
    expect(after).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'CLOSED' });
    expect(store.peek(PARCEL)).toMatchObject({ status: 'REVOKED', deliveryDate: TOMORROW });
  });
  it('refuses a failure stamped in the future, which would make every genuine later event look stale', async () => {
    // Prepare
    const seeded = firstCode();
    store.seed(seeded);

    // Act
    const outcome = failed(new Date(NOW.getTime() + 3_600_000), TOMORROW);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'time' });
    expect(store.peek(PARCEL)).toEqual(seeded);
  });
});

describe('a same-day retry', () => {
  it('issues a fresh code for the same day; the old code stops verifying and the failed driver is unbound', async () => {
    // Prepare
    store.seed(firstCode());

    // Act
    const outcome = await failed(minutesBefore(5), TODAY);
    const freshCode = currentCode();
    const failedDriverOld = await verify(FIRST_CODE, 'D-1');
    const failedDriverNew = await verify(freshCode, 'D-1');
    await outForDelivery('D-2', minutesBefore(1));
    const nextDriverOld = await verify(FIRST_CODE, 'D-2');

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'REISSUED',
      parcelId: PARCEL,
      validUntil: '2026-12-01T23:00:00.000Z',
    });
    expect(store.peek(PARCEL)).toMatchObject({ deliveryDate: TODAY, issueCount: 2 });
    expect(store.peek(PARCEL)?.issueId).not.toBe(FIRST_ISSUE);
    expect(failedDriverOld).toMatchObject({ verified: false, rejection: 'NOT_ASSIGNED' });
    expect(failedDriverNew).toMatchObject({ verified: false, rejection: 'NOT_ASSIGNED' });
    expect(nextDriverOld).toMatchObject({ verified: false, rejection: 'REVOKED' });
  });

  it('issues one code when the same failure is delivered twice, and reports that code both times', async () => {
    // Prepare
    store.seed(firstCode());
    const at = minutesBefore(5);

    // Act
    const first = await failed(at, TODAY);
    const again = await failed(at, TODAY);

    // Assess
    expect(again).toEqual(first);
    expect(store.callCount('reissue')).toBe(1);
    expect(store.peek(PARCEL)).toMatchObject({ issueCount: 2 });
  });

  it('issues one code when two deliveries of the same failure race', async () => {
    // Prepare
    store.seed(firstCode());
    const at = minutesBefore(5);

    // Act
    const [one, two] = await Promise.all([failed(at, TODAY), failed(at, TODAY)]);

    // Assess
    expect(one.outcome).toBe('REISSUED');
    expect(two).toEqual(one);
    expect(store.peek(PARCEL)).toMatchObject({ issueCount: 2 });
  });

  it('keeps the next attempt’s driver whose Out For Delivery arrived before the failure', async () => {
    // Prepare
    store.seed(firstCode());
    await outForDelivery('D-2', minutesBefore(2));

    // Act
    await failed(minutesBefore(5), TODAY);

    // Assess
    expect(store.peek(PARCEL)).toMatchObject({ driverId: 'D-2', issueCount: 2 });
    expect(await verify(currentCode(), 'D-2')).toMatchObject({ verified: true });
  });
});

describe('a resend racing a lifecycle event', () => {
  /** A mailer that notes, for every email, its code and the code current in the store as it is sent. */
  function recordingMailer() {
    const sent: { emailed: string; currentAtSend: string }[] = [];
    return {
      sent,
      send: async (message: { text: string }) => {
        const emailed = /\b(\d{6})\b/.exec(message.text)?.[1] ?? '';
        sent.push({ emailed, currentAtSend: currentCode() });
        return { messageId: `m-${sent.length}` };
      },
    };
  }
  const resend = (mailer: ReturnType<typeof recordingMailer>) =>
    resendCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock, mailer, maxResends: 3, leaseSeconds: 15 },
      { parcelId: PARCEL, recipientEmail: 'erika@example.com' },
    );

  it('makes a reissue that lands between the resend’s count and its email wait: the email carries the current code', async () => {
    // Prepare: the failure's reissue lands right after the resend counted
    store.seed(firstCode());
    const mailer = recordingMailer();
    let duringResend: Promise<unknown> = Promise.resolve();
    store.interleave('countResend', async () => {
      duringResend = failed(minutesBefore(1), TOMORROW);
      await duringResend.catch(() => undefined);
    });

    // Act
    const resent = await resend(mailer);
    const retried = await failed(minutesBefore(1), TOMORROW);

    // Assess
    await expect(duringResend).rejects.toMatchObject({ name: 'ResendInFlightError' });
    expect(resent).toEqual({ resendsRemaining: 2 });
    expect(mailer.sent).toEqual([{ emailed: FIRST_CODE, currentAtSend: FIRST_CODE }]);
    expect(retried.outcome).toBe('REISSUED');
    expect(store.peek(PARCEL)?.resendLeaseUntil).toBeUndefined();
  });

  it('makes a revoke or closure that lands during the resend wait as well', async () => {
    // Prepare
    store.seed(firstCode());
    const mailer = recordingMailer();
    const outcomes: unknown[] = [];
    store.interleave('countResend', async () => {
      for (const change of [
        () => failed(minutesBefore(1)),
        () => revokeCode(deps(), PARCEL, { close: true }),
      ])
        outcomes.push(await change().catch((error: Error) => error.name));
    });

    // Act
    await resend(mailer);
    const closed = await revokeCode(deps(), PARCEL, { close: true });

    // Assess
    expect(outcomes).toEqual(['ResendInFlightError', 'ResendInFlightError']);
    expect(mailer.sent).toEqual([{ emailed: FIRST_CODE, currentAtSend: FIRST_CODE }]);
    expect(closed).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: true });
  });

  it('answers RESEND_IN_FLIGHT to a second resend while one is being sent, and sends nothing for it', async () => {
    // Prepare
    store.seed(firstCode());
    const mailer = recordingMailer();
    let second: unknown;
    store.interleave('countResend', async () => {
      second = await resend(mailer);
    });

    // Act
    const first = await resend(mailer);

    // Assess
    expect(second).toEqual({ refusal: 'RESEND_IN_FLIGHT' });
    expect(first).toEqual({ resendsRemaining: 2 });
    expect(mailer.sent).toHaveLength(1);
    expect(store.peek(PARCEL)?.resendCount).toBe(1);
  });

  it('lets the reissue through once a resend’s hold has run out (a resend that died mid-way)', async () => {
    // Prepare
    store.seed(firstCode({ resendCount: 1, resendLeaseUntil: seconds(NOW) }));

    // Act
    const outcome = await failed(minutesBefore(1), TOMORROW);

    // Assess
    expect(outcome.outcome).toBe('REISSUED');
  });

  it('gives the resend back and releases its hold when SES does not take the email', async () => {
    // Prepare
    store.seed(firstCode());
    const mailer = {
      send: async () => {
        throw Object.assign(new Error('throttled'), { name: 'EmailThrottledError' });
      },
    };

    // Act
    const result = resendCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock, mailer, maxResends: 3, leaseSeconds: 15 },
      { parcelId: PARCEL, recipientEmail: 'erika@example.com' },
    );

    // Assess
    await expect(result).rejects.toThrow('throttled');
    expect(store.peek(PARCEL)).toMatchObject({ resendCount: 0 });
    expect(store.peek(PARCEL)?.resendLeaseUntil).toBeUndefined();
    expect((await failed(minutesBefore(1), TOMORROW)).outcome).toBe('REISSUED');
  });
});

describe('a failed attempt on a parcel that cannot take a new code', () => {
  it.each<[string, string | undefined]>([
    ['with a next date', TOMORROW],
    ['without a next date', undefined],
  ])('is IGNORED as NOT_FOUND when the parcel has no code (%s), and writes nothing', async (_case, date) => {
    // Act
    const outcome = await failed(minutesBefore(5), date);

    // Assess
    expect(outcome).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'NOT_FOUND' });
    expect(store.peek(PARCEL)).toBeUndefined();
    expect(recipients.calls).not.toContain('delete');
  });

  it.each<[string, string | undefined]>([
    ['with a next date', TOMORROW],
    ['without a next date', undefined],
  ])('is IGNORED as VERIFIED after the handover (%s), and the code stays verified', async (_case, date) => {
    // Prepare
    const verified = firstCode({ status: 'VERIFIED', verifiedAt: seconds(minutesBefore(30)) });
    store.seed(verified);

    // Act
    const outcome = await failed(minutesBefore(5), date);

    // Assess
    expect(outcome).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'VERIFIED' });
    expect(store.peek(PARCEL)).toEqual(verified);
  });

  it('locks the parcel at the cap of wrong codes: no new code, the current one revoked', async () => {
    // Prepare
    store.seed(firstCode({ totalWrongAttempts: 10 }));

    // Act
    const outcome = await failed(minutesBefore(5), TOMORROW);

    // Assess
    expect(outcome).toEqual({ outcome: 'LOCKED', parcelId: PARCEL, totalWrongAttempts: 10 });
    expect(store.peek(PARCEL)).toMatchObject({
      status: 'REVOKED',
      issueId: FIRST_ISSUE,
      deliveryDate: TODAY,
    });
    expect(store.callCount('reissue')).toBe(0);
  });

  it('reissues just under the cap of wrong codes', async () => {
    // Prepare
    store.seed(firstCode({ totalWrongAttempts: 9 }));

    // Act
    const outcome = await failed(minutesBefore(5), TOMORROW);

    // Assess
    expect(outcome.outcome).toBe('REISSUED');
  });

  it.each([
    ['a next date already over', '2026-11-30'],
    ['a next date beyond the 60 days ahead', '2027-03-01'],
  ])('revokes the failed attempt’s code and issues none for %s', async (_case, date) => {
    // Prepare
    store.seed(firstCode());

    // Act
    const outcome = await failed(minutesBefore(5), date);

    // Assess
    expect(outcome).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: false });
    expect(store.peek(PARCEL)).toMatchObject({ status: 'REVOKED', issueId: FIRST_ISSUE });
    expect(store.callCount('reissue')).toBe(0);
  });

  it('accepts a failure stamped up to five minutes ahead of our clock (carrier clock skew)', async () => {
    // Prepare
    store.seed(firstCode());

    // Act
    const skewed = await failed(new Date(NOW.getTime() + 5 * 60_000), TOMORROW);

    // Assess
    expect(skewed.outcome).toBe('REISSUED');
  });

  it('refuses a dateless failure stamped in the future as well, and revokes nothing', async () => {
    // Prepare
    const seeded = firstCode();
    store.seed(seeded);

    // Act
    const outcome = failed(new Date(NOW.getTime() + 5 * 60_000 + 1_000));

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'time' });
    expect(store.peek(PARCEL)).toEqual(seeded);
  });
});

describe('a reissued code', () => {
  it('is valid to the end of the next attempt’s day in the parcel’s zone, kept for the retention, and the recipient outlives it', async () => {
    // Prepare
    store.seed(firstCode({ emailStatus: 'SENT', resendCount: 2, wrongAttempts: 3, totalWrongAttempts: 3 }));

    // Act
    const outcome = await failed(minutesBefore(5), TOMORROW);

    // Assess
    const validUntil = Date.parse('2026-12-02T23:00:00Z') / 1000;
    expect(outcome).toMatchObject({ outcome: 'REISSUED', validUntil: '2026-12-02T23:00:00.000Z' });
    const item = store.peek(PARCEL);
    expect(item).toMatchObject({
      status: 'ISSUED',
      expiresAt: validUntil,
      ttl: validUntil + 30 * 86_400,
      issuedAt: seconds(NOW),
      deliveryDate: TOMORROW,
      wrongAttempts: 0,
      totalWrongAttempts: 3,
      resendCount: 0,
      previousCodeHash: firstCode().codeHash,
    });
    expect(item?.emailStatus).toBeUndefined();
    expect(outcome.outcome === 'REISSUED' && outcome.issueId).toBe(item?.issueId);
    expect(recipients.peek(PARCEL)?.ttl).toBe(validUntil + 30 * 86_400);
  });

  it('makes the replaced code answer REVOKED to the next driver, not count as a wrong code', async () => {
    // Prepare
    store.seed(firstCode());
    await failed(minutesBefore(5), TOMORROW);
    await outForDelivery('D-2', minutesBefore(1));

    // Act
    const old = await verify(FIRST_CODE, 'D-2');

    // Assess
    expect(old).toMatchObject({ verified: false, rejection: 'REVOKED' });
    expect(store.peek(PARCEL)?.wrongAttempts).toBe(0);
  });
});

describe('a reissue that races another write', () => {
  it('decides again on the binding when an Out For Delivery newer than the failure lands between read and write', async () => {
    // Prepare
    store.seed(firstCode());
    store.interleave('get', async () => {
      await outForDelivery('D-2', minutesBefore(2));
    });

    // Act
    const outcome = await failed(minutesBefore(5), TODAY);

    // Assess
    expect(outcome.outcome).toBe('REISSUED');
    expect(store.peek(PARCEL)).toMatchObject({ driverId: 'D-2', issueCount: 2 });
    expect(store.callCount('reissue')).toBe(2);
  });

  it.each<[string, () => Promise<unknown>, unknown]>([
    [
      'a handover',
      () => verify(FIRST_CODE, 'D-1'),
      { outcome: 'IGNORED', parcelId: PARCEL, reason: 'VERIFIED' },
    ],
    [
      'a closure',
      () => revokeCode(deps(), PARCEL, { close: true }),
      { outcome: 'IGNORED', parcelId: PARCEL, reason: 'CLOSED' },
    ],
    [
      'a newer failure',
      () => failed(minutesBefore(1), undefined, 'D-1', 'REFUSED'),
      { outcome: 'IGNORED', parcelId: PARCEL, reason: 'STALE' },
    ],
  ])(
    'reports what won when %s lands between read and write, and issues nothing',
    async (_case, race, expected) => {
      // Prepare
      store.seed(firstCode());
      store.interleave('get', async () => {
        await race();
      });

      // Act
      const outcome = await failed(minutesBefore(5), TOMORROW);

      // Assess
      expect(outcome).toEqual(expected);
      expect(store.peek(PARCEL)?.issueId).toBe(FIRST_ISSUE);
    },
  );

  it('reports LOCKED when wrong codes reach the cap between read and write', async () => {
    // Prepare
    store.seed(firstCode({ totalWrongAttempts: 9 }));
    store.interleave('get', async () => {
      await verify('000000', 'D-1');
    });

    // Act
    const outcome = await failed(minutesBefore(5), TOMORROW);

    // Assess
    expect(outcome).toEqual({ outcome: 'LOCKED', parcelId: PARCEL, totalWrongAttempts: 10 });
    expect(store.peek(PARCEL)?.issueId).toBe(FIRST_ISSUE);
  });

  it('waits (ResendInFlightError) while a code SMS is on its way, and reissues after its lease', async () => {
    // Prepare
    store.seed(firstCode({ smsStatus: 'SENDING', smsLeaseUntil: seconds(NOW) + 10 }));

    // Act
    const during = failed(minutesBefore(5), TOMORROW);

    // Assess
    await expect(during).rejects.toMatchObject({ name: 'ResendInFlightError' });
    expect(store.peek(PARCEL)?.issueId).toBe(FIRST_ISSUE);
    store.seed(firstCode({ smsStatus: 'SENDING', smsLeaseUntil: seconds(NOW) }));
    expect((await failed(minutesBefore(5), TOMORROW)).outcome).toBe('REISSUED');
  });
});

describe('closing a parcel (returned, cancelled)', () => {
  it('revokes the code, bars any later one and forgets the recipient', async () => {
    // Prepare
    store.seed(firstCode());

    // Act
    const outcome = await revokeCode(deps(), PARCEL, { close: true });

    // Assess
    expect(outcome).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: true });
    expect(store.peek(PARCEL)).toMatchObject({ status: 'REVOKED', closedAt: seconds(NOW) });
    expect(recipients.peek(PARCEL)).toBeUndefined();
  });

  it('bars the code of a parcel closed before its code exists, announces nothing and forgets the recipient', async () => {
    // Act
    const outcome = await revokeCode(deps(), PARCEL, { close: true });

    // Assess
    expect(outcome).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'NOT_FOUND' });
    expect(recipients.peek(PARCEL)).toBeUndefined();
    await expect(store.createIfAbsent(firstCode())).rejects.toMatchObject({ name: 'ParcelClosedError' });
  });

  it('leaves a verified parcel and its recipient alone (the receipt still needs them)', async () => {
    // Prepare
    const verified = firstCode({ status: 'VERIFIED' });
    store.seed(verified);

    // Act
    const outcome = await revokeCode(deps(), PARCEL, { close: true });

    // Assess
    expect(outcome).toEqual({ outcome: 'IGNORED', parcelId: PARCEL, reason: 'VERIFIED' });
    expect(store.peek(PARCEL)).toEqual(verified);
    expect(recipients.peek(PARCEL)).toBeDefined();
  });

  it('waits (ResendInFlightError) while a resend of the code is on its way, keeping the recipient', async () => {
    // Prepare
    store.seed(firstCode({ resendLeaseUntil: seconds(NOW) + 10 }));

    // Act
    const outcome = revokeCode(deps(), PARCEL, { close: true });

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'ResendInFlightError' });
    expect(store.peek(PARCEL)?.status).toBe('ISSUED');
    expect(recipients.peek(PARCEL)).toBeDefined();
  });

  it('revokes without closing for a failed attempt without a next date, keeping the recipient', async () => {
    // Prepare
    store.seed(firstCode());

    // Act
    const outcome = await failed(minutesBefore(5), undefined, 'D-1', 'REFUSED');

    // Assess
    expect(outcome).toEqual({ outcome: 'REVOKED', parcelId: PARCEL, closed: false });
    expect(store.peek(PARCEL)?.closedAt).toBeUndefined();
    expect(recipients.peek(PARCEL)).toBeDefined();
  });
});
