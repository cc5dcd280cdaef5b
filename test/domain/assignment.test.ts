import { beforeEach, describe, expect, it } from 'vitest';
import { assignDriver } from '../../lambdas/domain/assignment.ts';
import type { Clock } from '../../lambdas/domain/otp-record.ts';
import { DELIVERY_DATE, DRIVER_ID, otpRecord, PARCEL_ID } from '../support/fixtures.ts';
import { FakeOtpStore } from './fake-otp-store.ts';

// 2026-12-01 07:00 in Berlin: the morning's Out For Delivery events.
const NOW = new Date('2026-12-01T06:00:00Z');
const seconds = (date: Date) => date.getTime() / 1000;
const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

let store: FakeOtpStore;
const clock: Clock = { now: () => new Date(NOW) };
const outForDelivery = (driverId: string, at: Date, parcelId = PARCEL_ID) =>
  assignDriver({ store, clock }, { parcelId, driverId, deliveryDate: DELIVERY_DATE }, at);

beforeEach(() => {
  store = new FakeOtpStore();
});

describe('assignDriver', () => {
  it('binds the open code to the driver taking the parcel out, as of the event’s time', async () => {
    // Prepare
    const { driverId: _unbound, ...unbound } = otpRecord();
    store.seed(unbound);

    // Act
    const result = await outForDelivery(DRIVER_ID, minutesBefore(10));

    // Assess
    expect(result).toEqual({ parcelId: PARCEL_ID, outcome: 'BOUND' });
    expect(store.peek(PARCEL_ID)).toMatchObject({ driverId: DRIVER_ID, boundAt: seconds(minutesBefore(10)) });
    expect(store.calls).toEqual(['assignDriver']);
  });

  it('rebinds to the latest driver when the parcel moves to another route', async () => {
    // Prepare
    store.seed(otpRecord({ boundAt: seconds(minutesBefore(30)) }));

    // Act
    const result = await outForDelivery('driver-2', minutesBefore(10));

    // Assess
    expect(result.outcome).toBe('BOUND');
    expect(store.peek(PARCEL_ID)?.driverId).toBe('driver-2');
  });

  it('refuses an Out For Delivery older than the binding it would replace (events arrive out of order)', async () => {
    // Prepare
    store.seed(otpRecord({ driverId: 'driver-2', boundAt: seconds(minutesBefore(10)) }));

    // Act
    const result = await outForDelivery(DRIVER_ID, minutesBefore(30));

    // Assess
    expect(result).toEqual({ parcelId: PARCEL_ID, outcome: 'REFUSED', refusedBecause: 'STALE' });
    expect(store.peek(PARCEL_ID)?.driverId).toBe('driver-2');
  });

  it.each([
    ['verified', otpRecord({ status: 'VERIFIED', verifiedAt: 1_796_120_000 })],
    ['revoked', otpRecord({ status: 'REVOKED', revokedAt: 1_796_120_000 })],
  ])('refuses a %s code and leaves it as it is', async (_status, record) => {
    // Prepare
    store.seed(record);

    // Act
    const result = await outForDelivery('driver-2', minutesBefore(1));

    // Assess
    expect(result.outcome).toBe('REFUSED');
    expect(store.peek(PARCEL_ID)).toEqual(record);
  });

  it('keeps the binding for a code not issued yet, which then goes to that driver; it waits 14 days from now', async () => {
    // Prepare: an Out For Delivery stamped long ago still waits 14 days from now, not from its own time.
    const { driverId: _unbound, ...unbound } = otpRecord();

    // Act
    const result = await outForDelivery(DRIVER_ID, new Date('2026-11-01T06:00:00Z'));
    const created = await store.createIfAbsent(unbound);

    // Assess
    expect(result).toEqual({ parcelId: PARCEL_ID, outcome: 'WAITING_FOR_CODE' });
    expect(created.record.driverId).toBe(DRIVER_ID);
    expect(created.record.ttl).toBe(unbound.ttl);
    const early = await outForDelivery(DRIVER_ID, minutesBefore(1), 'PCL-EARLY');
    expect(early.outcome).toBe('WAITING_FOR_CODE');
    expect(store.peek('PCL-EARLY')?.ttl).toBe(seconds(NOW) + 14 * 86_400);
  });

  it('refuses a binding for a parcel closed before its code existed', async () => {
    // Prepare
    await store.revoke(PARCEL_ID, { nowSeconds: seconds(NOW), close: true });

    // Act
    const result = await outForDelivery(DRIVER_ID, minutesBefore(1));

    // Assess
    expect(result).toEqual({ parcelId: PARCEL_ID, outcome: 'REFUSED', refusedBecause: 'CLOSED' });
  });

  it('refuses an Out For Delivery stamped more than five minutes ahead (EVENT_TIME_IN_FUTURE), binding nothing', async () => {
    // Prepare: a carrier clock two days fast would pin the binding until then.
    store.seed(otpRecord({ boundAt: seconds(minutesBefore(30)) }));

    // Act
    const run = outForDelivery('driver-2', new Date(NOW.getTime() + 2 * 86_400_000));

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'InvalidParcelEventError',
      field: 'time',
      code: 'EVENT_TIME_IN_FUTURE',
    });
    expect(store.peek(PARCEL_ID)?.driverId).toBe(DRIVER_ID);
    expect(store.calls).toEqual([]);
  });

  it('binds an Out For Delivery from a carrier clock a few minutes fast, as of its own time', async () => {
    // Prepare
    store.seed(otpRecord({ boundAt: seconds(minutesBefore(30)) }));
    const threeMinutesAhead = new Date(NOW.getTime() + 3 * 60_000);

    // Act
    const result = await outForDelivery('driver-2', threeMinutesAhead);

    // Assess
    expect(result.outcome).toBe('BOUND');
    expect(store.peek(PARCEL_ID)).toMatchObject({
      driverId: 'driver-2',
      boundAt: seconds(threeMinutesAhead),
    });
  });
});
