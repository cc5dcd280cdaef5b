import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCodeStore } from '../../lambdas/adapters/dynamodb-code-store.ts';
import { CodeTable } from '../../lambdas/adapters/dynamodb-code-table.ts';
import { DynamoDbDeliveryClaims } from '../../lambdas/adapters/dynamodb-delivery-claims.ts';
import { DynamoDbLifecycleStore } from '../../lambdas/adapters/dynamodb-lifecycle-store.ts';
import type { OtpRecord, ReissueFields, VerifyAttempt } from '../../lambdas/domain/otp-record.ts';
import { type FakedStorePorts, FakeOtpStore } from '../domain/fake-otp-store.ts';
import { useOtpTables } from '../support/dynamodb-table.ts';
import { otpRecord } from '../support/fixtures.ts';

/**
 * What the domain relies on from its code store, run against the DynamoDB code adapters on a DynamoDB
 * engine (dynalite) and against the domain tests' `FakeOtpStore`: the conditions are checked by what a
 * write does, so the adapters' expressions and the fake are held to the same behaviour.
 */
interface StoreUnderTest {
  readonly store: FakedStorePorts;
  put(record: OtpRecord): Promise<void>;
  item(parcelId: string): Promise<OtpRecord | undefined>;
}

// 2026-12-01 14:00 in Berlin; otpRecord()'s code is valid until 23:00 UTC that day.
const NOW = Date.parse('2026-12-01T13:00:00Z') / 1000;
const LEASE = 30;
const PLACEHOLDER_TTL = NOW + 14 * 86_400;

const tables = useOtpTables();
const fake = new FakeOtpStore();
const implementations: [string, () => StoreUnderTest][] = [
  [
    'the DynamoDB code adapters on dynalite',
    () => ({
      store: codeAdaptersOn(new CodeTable(tables().client, { tableName: tables().tableName })),
      put: (record) => tables().put(record),
      item: (parcelId) => tables().item(parcelId),
    }),
  ],
  [
    'FakeOtpStore',
    () => ({
      store: fake,
      put: async (record) => fake.seed(record),
      item: async (parcelId) => fake.peek(parcelId),
    }),
  ],
];

/** One object answering each port's operations with the adapter that implements that port. */
function codeAdaptersOn(table: CodeTable): FakedStorePorts {
  const adapters = [
    new DynamoDbCodeStore(table),
    new DynamoDbLifecycleStore(table),
    new DynamoDbDeliveryClaims(table),
  ];
  const combined: Record<string, unknown> = {};
  for (const adapter of adapters) {
    // Its class's methods and those it inherits (`get`), up to Object's.
    for (
      let proto = Object.getPrototypeOf(adapter);
      proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const method = (adapter as unknown as Record<string, unknown>)[name];
        if (name !== 'constructor' && typeof method === 'function') combined[name] ??= method.bind(adapter);
      }
    }
  }
  return combined as unknown as FakedStorePorts;
}

let serial = 0;

describe.each(implementations)('%s', (_name, implementation) => {
  let sut: StoreUnderTest;
  let store: FakedStorePorts;
  /** A parcel id no other test used: the table is shared by the whole file. */
  let parcelId: string;
  const record = (overrides: Partial<OtpRecord> = {}) => otpRecord({ parcelId, ...overrides });
  const attempt = (overrides: Partial<VerifyAttempt> = {}): VerifyAttempt => ({
    parcelId,
    driverId: 'driver-1',
    codeHash: record().codeHash,
    nowSeconds: NOW,
    nowIso: '2026-12-01T13:00:00.000Z',
    maxWrongAttempts: 5,
    maxWrongAttemptsPerParcel: 10,
    ...overrides,
  });
  const fields = (issueId = 'issue-2'): ReissueFields => ({
    issueId,
    codeHash: 'f'.repeat(64),
    codeCiphertext: 'bmV3',
    expiresAt: NOW + 86_400,
    ttl: NOW + 31 * 86_400,
    issuedAt: NOW,
    deliveryDate: '2026-12-02',
  });
  const order = (eventAt: number, eventKey = 'FAILED|driver-1|NOBODY_HOME|2026-12-02') => ({
    eventAt,
    eventKey,
    nowSeconds: NOW,
  });

  beforeEach(() => {
    sut = implementation();
    store = sut.store;
    parcelId = `PCL-C-${++serial}`;
  });

  describe('createIfAbsent', () => {
    it('creates the record once; a second call returns the first record unchanged', async () => {
      // Act
      const first = await store.createIfAbsent(record());
      const second = await store.createIfAbsent(record({ issueId: 'other-issue' }));

      // Assess
      expect(first).toMatchObject({ created: true, record: { issueId: record().issueId } });
      expect(second).toMatchObject({ created: false, record: { issueId: record().issueId } });
    });

    it('keeps the driver an early Out For Delivery bound, and refuses a code after an early closure', async () => {
      // Prepare
      await store.assignDriver(parcelId, 'driver-9', NOW - 60, PLACEHOLDER_TTL);
      const { driverId: _none, ...unbound } = record();
      const closedId = `${parcelId}-closed`;
      await store.revoke(closedId, { nowSeconds: NOW, close: true });

      // Act
      const created = await store.createIfAbsent(unbound as OtpRecord);
      const refused = store.createIfAbsent(record({ parcelId: closedId }));

      // Assess
      expect(created.record).toMatchObject({ driverId: 'driver-9', status: 'ISSUED' });
      await expect(refused).rejects.toMatchObject({ name: 'ParcelClosedError' });
      expect(await store.get(closedId)).toBeUndefined();
    });
  });

  describe('assignDriver', () => {
    it('binds an issued code, waits for a missing one, and refuses an older event', async () => {
      // Prepare
      await sut.put(record({ boundAt: NOW - 100 }));

      // Act
      const bound = await store.assignDriver(parcelId, 'driver-2', NOW - 50, PLACEHOLDER_TTL);
      const older = await store.assignDriver(parcelId, 'driver-3', NOW - 80, PLACEHOLDER_TTL);
      const waiting = await store.assignDriver(`${parcelId}-early`, 'driver-4', NOW, PLACEHOLDER_TTL);

      // Assess
      expect([bound, older, waiting]).toEqual(['BOUND', 'STALE', 'WAITING_FOR_CODE']);
      expect(await sut.item(parcelId)).toMatchObject({ driverId: 'driver-2', boundAt: NOW - 50 });
      expect(await store.get(`${parcelId}-early`)).toBeUndefined();
    });

    it('lets an early binding expire at the placeholder ttl, and never touches an issued code’s ttl', async () => {
      // Prepare
      await sut.put(record());

      // Act
      await store.assignDriver(parcelId, 'driver-2', NOW, PLACEHOLDER_TTL);
      await store.assignDriver(`${parcelId}-early`, 'driver-2', NOW, PLACEHOLDER_TTL);

      // Assess
      expect((await sut.item(parcelId))?.ttl).toBe(record().ttl);
      expect(await sut.item(`${parcelId}-early`)).toMatchObject({
        driverId: 'driver-2',
        ttl: PLACEHOLDER_TTL,
      });
    });

    it('refuses a verified or revoked code and a closed parcel, saying which', async () => {
      // Prepare
      await sut.put(record({ status: 'VERIFIED', verifiedAt: NOW - 10 }));
      await sut.put(record({ parcelId: `${parcelId}-r`, status: 'REVOKED', revokedAt: NOW - 10 }));
      await store.revoke(`${parcelId}-c`, { nowSeconds: NOW, close: true });

      // Act
      const outcomes = await Promise.all(
        [parcelId, `${parcelId}-r`, `${parcelId}-c`].map((id) =>
          store.assignDriver(id, 'driver-2', NOW, PLACEHOLDER_TTL),
        ),
      );

      // Assess
      expect(outcomes).toEqual(['VERIFIED', 'REVOKED', 'CLOSED']);
    });
  });

  describe('verify, verifyState and recordWrongAttempt', () => {
    it('verifies the right code for the bound driver once', async () => {
      // Prepare
      await sut.put(record());

      // Act
      const verified = await store.verify(attempt());
      const again = await store.verify(attempt());

      // Assess
      expect([verified, again]).toEqual([true, false]);
      expect(await sut.item(parcelId)).toMatchObject({
        status: 'VERIFIED',
        verifiedBy: 'driver-1',
        verifiedAt: NOW,
        verifiedAtIso: '2026-12-01T13:00:00.000Z',
      });
    });

    it.each<[string, Partial<OtpRecord>, Partial<VerifyAttempt>]>([
      ['another driver', {}, { driverId: 'driver-2' }],
      ['no driver bound', { driverId: undefined }, {}],
      ['an expired code', { expiresAt: NOW }, {}],
      ['a wrong hash', {}, { codeHash: 'b'.repeat(64) }],
      ['the code’s tries used up', { wrongAttempts: 5 }, {}],
      ['the parcel’s tries used up', { totalWrongAttempts: 10 }, {}],
      ['a revoked code', { status: 'REVOKED' }, {}],
    ])('refuses %s and changes nothing', async (_case, stored, tried) => {
      // Prepare
      const { driverId, ...rest } = record(stored);
      const seeded = (driverId === undefined ? rest : { ...rest, driverId }) as OtpRecord;
      await sut.put(seeded);

      // Act
      const result = await store.verify(attempt(tried));

      // Assess
      expect(result).toBe(false);
      expect(await sut.item(parcelId)).toEqual(seeded);
    });

    it('checks the parcel’s wrong codes only when the attempt carries a per-parcel cap', async () => {
      // Prepare
      const { maxWrongAttemptsPerParcel: _cap, ...uncapped } = attempt();
      await sut.put(record({ totalWrongAttempts: 10 }));

      // Act
      const capped = await store.verify(attempt());
      const verified = await store.verify(uncapped);

      // Assess
      expect([capped, verified]).toEqual([false, true]);
    });

    it('reads status, expiry, tries and driver for verify, never a hash; a codeless parcel says whom it is bound to', async () => {
      // Prepare
      await sut.put(record({ wrongAttempts: 2, totalWrongAttempts: 3 }));
      await store.assignDriver(`${parcelId}-early`, 'driver-7', NOW, PLACEHOLDER_TTL);

      // Act
      const state = await store.verifyState(parcelId);
      const placeholder = await store.verifyState(`${parcelId}-early`);
      const none = await store.verifyState(`${parcelId}-never`);

      // Assess
      expect(state).toEqual({
        hasCode: true,
        status: 'ISSUED',
        expiresAt: record().expiresAt,
        wrongAttempts: 2,
        totalWrongAttempts: 3,
        driverId: 'driver-1',
      });
      expect(placeholder).toEqual({
        hasCode: false,
        wrongAttempts: 0,
        totalWrongAttempts: 0,
        driverId: 'driver-7',
      });
      expect(none).toBeUndefined();
    });

    it('counts wrong codes up to the per-code limit and no further, answering the counters', async () => {
      // Prepare
      await sut.put(record());
      const wrong = attempt({ codeHash: 'b'.repeat(64), maxWrongAttempts: 2 });

      // Act
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await store.recordWrongAttempt(wrong));

      // Assess
      expect(results).toEqual([
        { wrongAttempts: 1, totalWrongAttempts: 1 },
        { wrongAttempts: 2, totalWrongAttempts: 2 },
        undefined,
      ]);
      expect(await sut.item(parcelId)).toMatchObject({ wrongAttempts: 2, totalWrongAttempts: 2 });
    });

    it('counts neither the current code nor the one a reissue replaced as a wrong code', async () => {
      // Prepare
      await sut.put(record({ previousCodeHash: 'c'.repeat(64) }));

      // Act
      const current = await store.recordWrongAttempt(attempt());
      const replaced = await store.recordWrongAttempt(attempt({ codeHash: 'c'.repeat(64) }));

      // Assess
      expect([current, replaced]).toEqual([undefined, undefined]);
      expect(await sut.item(parcelId)).toMatchObject({ wrongAttempts: 0, totalWrongAttempts: 0 });
    });
  });

  describe('the code email claim', () => {
    it('claims once, answers IN_FLIGHT until the lease is stale, then lets a retry take it over', async () => {
      // Prepare
      await sut.put(record());
      const { issueId } = record();

      // Act
      const first = await store.claimEmail(parcelId, issueId, NOW, LEASE);
      const during = await store.claimEmail(parcelId, issueId, NOW + LEASE, LEASE);
      const after = await store.claimEmail(parcelId, issueId, NOW + LEASE + 1, LEASE);

      // Assess
      expect([first, during, after]).toEqual(['CLAIMED', 'IN_FLIGHT', 'CLAIMED']);
    });

    it('answers ALREADY_SENT once sent, and CODE_CLOSED for another issue or an expired code', async () => {
      // Prepare
      await sut.put(record());
      const { issueId } = record();
      await store.claimEmail(parcelId, issueId, NOW, LEASE);
      await store.markEmailSent(parcelId, issueId, 'msg-1');

      // Act
      const sent = await store.claimEmail(parcelId, issueId, NOW, LEASE);
      await sut.put(record({ parcelId: `${parcelId}-x` }));
      const otherIssue = await store.claimEmail(`${parcelId}-x`, 'other-issue', NOW, LEASE);
      const expired = await store.claimEmail(`${parcelId}-x`, issueId, record().expiresAt, LEASE);

      // Assess
      expect([sent, otherIssue, expired]).toEqual(['ALREADY_SENT', 'CODE_CLOSED', 'CODE_CLOSED']);
      expect(await sut.item(parcelId)).toMatchObject({
        emailStatus: 'SENT',
        emailMessageId: 'msg-1',
        emailDelivery: 'SENT',
      });
    });

    it('releases a claim in flight so a retry claims at once; marking sent for an older issue changes nothing', async () => {
      // Prepare
      await sut.put(record());
      const { issueId } = record();
      await store.claimEmail(parcelId, issueId, NOW, LEASE);

      // Act
      await store.releaseEmailClaim(parcelId, issueId);
      const retried = await store.claimEmail(parcelId, issueId, NOW + 1, LEASE);
      await store.markEmailSent(parcelId, 'older-issue');

      // Assess
      expect(retried).toBe('CLAIMED');
      expect((await sut.item(parcelId))?.emailStatus).toBe('SENDING');
    });

    it('releases only a claim in flight: a late release never wipes SENT', async () => {
      // Prepare
      await sut.put(record({ emailStatus: 'SENT' }));

      // Act
      await store.releaseEmailClaim(parcelId, record().issueId);

      // Assess
      expect((await sut.item(parcelId))?.emailStatus).toBe('SENT');
    });
  });

  describe('reissue', () => {
    it('replaces the code, unbinds the failed driver as of the event, and keeps the old hash as previous', async () => {
      // Prepare
      await sut.put(record({ boundAt: NOW - 600, emailStatus: 'SENT' }));

      // Act
      const result = await store.reissue(parcelId, {
        expectedIssueId: record().issueId,
        fields: fields(),
        maxWrongPerParcel: 10,
        order: order(NOW - 60),
      });

      // Assess
      expect(result.ok).toBe(true);
      const item = await sut.item(parcelId);
      expect(item).toMatchObject({
        issueId: 'issue-2',
        previousCodeHash: record().codeHash,
        issueCount: 2,
        boundAt: NOW - 60,
        lastLifecycleAt: NOW - 60,
        wrongAttempts: 0,
      });
      expect(item?.driverId).toBeUndefined();
      expect(item?.emailStatus).toBeUndefined();
    });

    it('keeps a binding newer than the failure only while it is still the one seen', async () => {
      // Prepare
      await sut.put(record({ driverId: 'driver-2', boundAt: NOW - 30 }));
      const keep = { ...order(NOW - 60), keepBindingAt: NOW - 30 };

      // Act
      const dropping = await store.reissue(parcelId, {
        expectedIssueId: record().issueId,
        fields: fields(),
        maxWrongPerParcel: 10,
        order: order(NOW - 60),
      });
      const keeping = await store.reissue(parcelId, {
        expectedIssueId: record().issueId,
        fields: fields(),
        maxWrongPerParcel: 10,
        order: keep,
      });

      // Assess
      expect(dropping.ok).toBe(false);
      expect(keeping).toMatchObject({ ok: true, record: { driverId: 'driver-2', boundAt: NOW - 30 } });
    });

    it.each<[string, Partial<OtpRecord>]>([
      [
        'the same event already applied',
        { lastLifecycleAt: NOW - 60, lastLifecycleEvent: 'FAILED|driver-1|NOBODY_HOME|2026-12-02' },
      ],
      ['a newer event already applied', { lastLifecycleAt: NOW - 10, lastLifecycleEvent: 'other' }],
      ['a verified code', { status: 'VERIFIED' }],
      ['a closed parcel', { status: 'REVOKED', closedAt: NOW - 5 }],
      ['the parcel’s wrong codes at the cap', { totalWrongAttempts: 10 }],
      ['a resend in flight', { resendLeaseUntil: NOW + 1 }],
      ['a code SMS in flight', { smsLeaseUntil: NOW + 1 }],
      ['a binding newer than the failure', { boundAt: NOW - 30 }],
    ])('refuses with %s, and changes nothing', async (_case, stored) => {
      // Prepare
      await sut.put(record(stored));

      // Act
      const result = await store.reissue(parcelId, {
        expectedIssueId: record().issueId,
        fields: fields(),
        maxWrongPerParcel: 10,
        order: order(NOW - 60),
      });

      // Assess
      expect(result).toEqual({ ok: false, current: record(stored) });
      expect(await sut.item(parcelId)).toEqual(record(stored));
    });

    it('applies another event stamped in the same second, and one after a lease ran out', async () => {
      // Prepare
      await sut.put(
        record({ lastLifecycleAt: NOW - 60, lastLifecycleEvent: 'other', resendLeaseUntil: NOW }),
      );

      // Act
      const result = await store.reissue(parcelId, {
        expectedIssueId: record().issueId,
        fields: fields(),
        maxWrongPerParcel: 10,
        order: order(NOW - 60),
      });

      // Assess
      expect(result.ok).toBe(true);
      expect((await sut.item(parcelId))?.resendLeaseUntil).toBeUndefined();
    });

    it('refuses when the code was replaced meanwhile (another issue id)', async () => {
      // Prepare
      await sut.put(record());

      // Act
      const result = await store.reissue(parcelId, {
        expectedIssueId: 'stale-issue',
        fields: fields(),
        maxWrongPerParcel: 10,
        order: order(NOW - 60),
      });

      // Assess
      expect(result.ok).toBe(false);
    });
  });

  describe('revoke', () => {
    it('revokes an issued code, refuses a verified one, and refuses a parcel with no code unless closing', async () => {
      // Prepare
      await sut.put(record());
      await sut.put(record({ parcelId: `${parcelId}-v`, status: 'VERIFIED' }));

      // Act
      const revoked = await store.revoke(parcelId, { nowSeconds: NOW, close: false });
      const verified = await store.revoke(`${parcelId}-v`, { nowSeconds: NOW, close: true });
      const missing = await store.revoke(`${parcelId}-none`, { nowSeconds: NOW, close: false });

      // Assess
      expect(revoked).toMatchObject({ ok: true, record: { status: 'REVOKED', revokedAt: NOW } });
      expect(revoked.ok && revoked.record.closedAt).toBeUndefined();
      expect(verified).toMatchObject({ ok: false, current: { status: 'VERIFIED' } });
      expect(missing).toEqual({ ok: false, current: undefined });
      expect(await sut.item(`${parcelId}-none`)).toBeUndefined();
    });

    it('closes a parcel before its code exists with a placeholder that expires, holding no record', async () => {
      // Act
      const closed = await store.revoke(parcelId, { nowSeconds: NOW, close: true });

      // Assess
      expect(closed.ok && closed.record.issueId).toBeFalsy();
      expect(await store.get(parcelId)).toBeUndefined();
      expect(await sut.item(parcelId)).toMatchObject({ closedAt: NOW, ttl: NOW + 90 * 86_400 });
    });

    it('waits for a resend or a code SMS in flight, and refuses an event older than the last applied', async () => {
      // Prepare
      await sut.put(record({ resendLeaseUntil: NOW + 5 }));
      await sut.put(record({ parcelId: `${parcelId}-s`, smsLeaseUntil: NOW + 5 }));
      await sut.put(
        record({ parcelId: `${parcelId}-o`, lastLifecycleAt: NOW - 10, lastLifecycleEvent: 'x' }),
      );

      // Act
      const resend = await store.revoke(parcelId, { nowSeconds: NOW, close: true });
      const sms = await store.revoke(`${parcelId}-s`, { nowSeconds: NOW, close: false });
      const older = await store.revoke(`${parcelId}-o`, {
        nowSeconds: NOW,
        close: false,
        order: { eventAt: NOW - 20, eventKey: 'y' },
      });
      const newer = await store.revoke(`${parcelId}-o`, {
        nowSeconds: NOW,
        close: false,
        order: { eventAt: NOW - 5, eventKey: 'y' },
      });

      // Assess
      expect([resend.ok, sms.ok, older.ok, newer.ok]).toEqual([false, false, false, true]);
      expect(await sut.item(`${parcelId}-o`)).toMatchObject({
        lastLifecycleAt: NOW - 5,
        lastLifecycleEvent: 'y',
      });
    });
  });

  describe('resends', () => {
    it('counts up to the limit, one at a time, and lets the next one in once the hold ran out', async () => {
      // Prepare
      await sut.put(record({ resendCount: 1 }));
      const { issueId } = record();

      // Act
      const first = await store.countResend(parcelId, issueId, {
        nowSeconds: NOW,
        maxResends: 3,
        leaseUntil: NOW + 15,
      });
      const concurrent = await store.countResend(parcelId, issueId, {
        nowSeconds: NOW + 1,
        maxResends: 3,
        leaseUntil: NOW + 16,
      });
      const afterHold = await store.countResend(parcelId, issueId, {
        nowSeconds: NOW + 15,
        maxResends: 3,
        leaseUntil: NOW + 30,
      });
      const overLimit = await store.countResend(parcelId, issueId, {
        nowSeconds: NOW + 30,
        maxResends: 3,
        leaseUntil: NOW + 45,
      });

      // Assess
      expect([first.ok, concurrent.ok, afterHold.ok, overLimit.ok]).toEqual([true, false, true, false]);
      expect(await sut.item(parcelId)).toMatchObject({ resendCount: 3, resendLeaseUntil: NOW + 30 });
    });

    it('refuses a resend of a replaced, closed or expired code', async () => {
      // Prepare
      await sut.put(record({ status: 'REVOKED' }));
      await sut.put(record({ parcelId: `${parcelId}-e`, expiresAt: NOW }));

      // Act
      const revoked = await store.countResend(parcelId, record().issueId, {
        nowSeconds: NOW,
        maxResends: 3,
        leaseUntil: NOW + 15,
      });
      const replaced = await store.countResend(`${parcelId}-e`, 'other', {
        nowSeconds: NOW - 10,
        maxResends: 3,
        leaseUntil: NOW + 15,
      });
      const expired = await store.countResend(`${parcelId}-e`, record().issueId, {
        nowSeconds: NOW,
        maxResends: 3,
        leaseUntil: NOW + 15,
      });

      // Assess
      expect([revoked.ok, replaced.ok, expired.ok]).toEqual([false, false, false]);
    });

    it('releases only its own hold, and gives the resend back when asked', async () => {
      // Prepare
      await sut.put(record({ resendCount: 2, resendLeaseUntil: NOW + 15 }));
      const { issueId } = record();

      // Act
      await store.releaseResend(parcelId, issueId, { leaseUntil: NOW + 99, giveBack: true });
      const untouched = await sut.item(parcelId);
      await store.releaseResend(parcelId, issueId, { leaseUntil: NOW + 15, giveBack: true });

      // Assess
      expect(untouched).toMatchObject({ resendCount: 2, resendLeaseUntil: NOW + 15 });
      const released = await sut.item(parcelId);
      expect(released?.resendCount).toBe(1);
      expect(released?.resendLeaseUntil).toBeUndefined();
    });

    it('marks a texted resend: SMS sent, SMS the last channel, its lease ended', async () => {
      // Prepare
      await sut.put(record({ smsLeaseUntil: NOW + 10 }));

      // Act
      await store.markSmsResent(parcelId, record().issueId);

      // Assess
      const item = await sut.item(parcelId);
      expect(item).toMatchObject({ smsStatus: 'SENT', lastChannel: 'SMS' });
      expect(item?.smsLeaseUntil).toBeUndefined();
    });
  });

  describe('the handover receipt', () => {
    it('is claimed once for a verified code, taken over when stale, and ALREADY_SENT once sent', async () => {
      // Prepare
      await sut.put(record({ status: 'VERIFIED' }));

      // Act
      const first = await store.claimReceipt(parcelId, NOW, LEASE);
      const during = await store.claimReceipt(parcelId, NOW + LEASE, LEASE);
      const stale = await store.claimReceipt(parcelId, NOW + LEASE + 1, LEASE);
      await store.markReceiptSent(parcelId);
      const sent = await store.claimReceipt(parcelId, NOW + 999, LEASE);

      // Assess
      expect([first, during, stale, sent]).toEqual(['CLAIMED', 'IN_FLIGHT', 'CLAIMED', 'ALREADY_SENT']);
    });

    it('is claimed for any record whatever its status (each announcement ends the pipe’s), settles with nobody to tell, and never creates an item', async () => {
      // Prepare: a record no longer VERIFIED when its announcement reaches the receipt step.
      await sut.put(record());

      // Act
      const claimed = await store.claimReceipt(parcelId, NOW, LEASE);
      await store.markReceiptNoRecipient(parcelId);
      const again = await store.claimReceipt(parcelId, NOW + LEASE + 1, LEASE);
      const gone = await store.claimReceipt(`${parcelId}-gone`, NOW, LEASE);
      await store.markReceiptSent(`${parcelId}-gone`);
      await store.markReceiptNoRecipient(`${parcelId}-gone`);

      // Assess
      expect([claimed, again, gone]).toEqual(['CLAIMED', 'ALREADY_SENT', 'NO_RECORD']);
      expect((await sut.item(parcelId))?.receiptStatus).toBe('NO_RECIPIENT');
      expect(await sut.item(`${parcelId}-gone`)).toBeUndefined();
    });

    it('releases only a claim in flight', async () => {
      // Prepare
      await sut.put(record({ status: 'VERIFIED', receiptStatus: 'SENT' }));
      await sut.put(
        record({
          parcelId: `${parcelId}-s`,
          status: 'VERIFIED',
          receiptStatus: 'SENDING',
          receiptClaimedAt: NOW,
        }),
      );

      // Act
      await store.releaseReceiptClaim(parcelId);
      await store.releaseReceiptClaim(`${parcelId}-s`);

      // Assess
      expect((await sut.item(parcelId))?.receiptStatus).toBe('SENT');
      expect((await sut.item(`${parcelId}-s`))?.receiptStatus).toBeUndefined();
    });
  });
});
