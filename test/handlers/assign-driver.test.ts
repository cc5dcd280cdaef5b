import { describe, expect, it } from 'vitest';
import { DELIVERY_DATE, eventBridgeEvent, otpRecord, uniqueParcelId } from '../support/fixtures.ts';
import { handlerTestOnTables } from './support.ts';

type Handler = typeof import('../../lambdas/assign-driver/handler.ts')['handler'];

const EVENT_TIME = '2026-12-01T06:30:00Z';
const EVENT_SECONDS = Date.parse(EVENT_TIME) / 1000;

const t = handlerTestOnTables<Handler>('assign-driver', {});

const outForDelivery = (detail: Record<string, unknown>, time = EVENT_TIME) =>
  eventBridgeEvent('Parcel Out For Delivery', detail, { id: '7b8f9a0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c', time });
const invoke = (detail: Record<string, unknown>, time?: string) =>
  t.handler(outForDelivery(detail, time), t.context);

describe('assign-driver handler', () => {
  it('binds the open code to the driver as of the event’s time', async () => {
    // Prepare
    const parcelId = uniqueParcelId();
    await t.tables.put(otpRecord({ parcelId, boundAt: EVENT_SECONDS - 3_600 }));

    // Act
    const result = await invoke({ parcelId, driverId: 'driver-9', deliveryDate: DELIVERY_DATE });

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'BOUND' });
    expect(await t.tables.item(parcelId)).toMatchObject({ driverId: 'driver-9', boundAt: EVENT_SECONDS });
  });

  it('answers REFUSED, without throwing, for a verified code and for an event older than the binding', async () => {
    // Prepare
    const verified = otpRecord({ parcelId: uniqueParcelId(), status: 'VERIFIED', verifiedAt: 1_796_120_000 });
    const rebound = otpRecord({
      parcelId: uniqueParcelId(),
      driverId: 'driver-2',
      boundAt: EVENT_SECONDS + 60,
    });
    await t.tables.put(verified);
    await t.tables.put(rebound);

    // Act
    const results = [
      await invoke({ parcelId: verified.parcelId, driverId: 'driver-9', deliveryDate: DELIVERY_DATE }),
      await invoke({ parcelId: rebound.parcelId, driverId: 'driver-9', deliveryDate: DELIVERY_DATE }),
    ];

    // Assess
    expect(results.map((result) => result.outcome)).toEqual(['REFUSED', 'REFUSED']);
    expect(await t.tables.item(verified.parcelId)).toEqual(verified);
    expect(await t.tables.item(rebound.parcelId)).toEqual(rebound);
    expect(t.output.text()).toContain('"outcome":"REFUSED"');
  });

  it('keeps the binding for a parcel with no code yet (WAITING_FOR_CODE)', async () => {
    // Prepare
    const parcelId = uniqueParcelId();

    // Act
    const result = await invoke({ parcelId, driverId: 'driver-9', deliveryDate: DELIVERY_DATE });

    // Assess
    expect(result).toEqual({ parcelId, outcome: 'WAITING_FOR_CODE' });
    expect(await t.tables.item(parcelId)).toMatchObject({ driverId: 'driver-9', boundAt: EVENT_SECONDS });
  });

  it('throws InvalidParcelEventError naming detail.driverId for a bad driver id, and writes nothing', async () => {
    // Prepare
    const parcelId = uniqueParcelId();

    // Act
    const run = invoke({ parcelId, driverId: 'driver 9', deliveryDate: DELIVERY_DATE });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'detail.driverId' });
    expect(await t.tables.item(parcelId)).toBeUndefined();
  });
});
