import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_DATE, eventBridgeEvent, otpRecord, uniqueParcelId } from '../support/fixtures.ts';
import { handlerTestOnTables } from './support.ts';

type Handler = typeof import('../../lambdas/assign-driver/handler.ts')['handler'];

const EVENT_TIME = '2026-12-01T06:30:00Z';
const EVENT_SECONDS = Date.parse(EVENT_TIME) / 1000;

const EVENT_ID = '7b8f9a0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c';
const eventBridge = mockClient(EventBridgeClient);
const t = handlerTestOnTables<Handler>('assign-driver', {}, { mocks: [eventBridge] });

beforeEach(() => {
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
});

/** The `Parcel Event Refused` details the function put on the bus. */
const refusals = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ detailType: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as unknown }));

const outForDelivery = (detail: Record<string, unknown>, time = EVENT_TIME) =>
  eventBridgeEvent('Parcel Out For Delivery', detail, { id: EVENT_ID, time });
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

  it('answers REFUSED, without throwing, for a verified code (Parcel Event Refused) and for an event older than the binding (no answer)', async () => {
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
    expect(refusals()).toEqual([
      {
        detailType: 'Parcel Event Refused',
        detail: {
          parcelId: verified.parcelId,
          refusedDetailType: 'Parcel Out For Delivery',
          reason: 'PARCEL_HANDED_OVER',
          eventId: EVENT_ID,
        },
      },
    ]);
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

  it('answers a bad driver id with Parcel Event Refused naming detail.driverId, writes nothing and does not throw', async () => {
    // Prepare
    const parcelId = uniqueParcelId();

    // Act
    const result = await invoke({ parcelId, driverId: 'driver 9', deliveryDate: DELIVERY_DATE });

    // Assess
    expect(result).toEqual({ outcome: 'REFUSED', reason: 'INVALID_FIELD' });
    expect(await t.tables.item(parcelId)).toBeUndefined();
    expect(refusals()).toEqual([
      {
        detailType: 'Parcel Event Refused',
        detail: {
          parcelId,
          refusedDetailType: 'Parcel Out For Delivery',
          reason: 'INVALID_FIELD',
          field: 'detail.driverId',
          eventId: EVENT_ID,
        },
      },
    ]);
  });

  it('answers an Out For Delivery stamped two days ahead with EVENT_TIME_IN_FUTURE, binding nothing', async () => {
    // Prepare
    const record = otpRecord({ parcelId: uniqueParcelId(), boundAt: EVENT_SECONDS - 3_600 });
    await t.tables.put(record);
    const twoDaysAhead = new Date(Date.now() + 2 * 86_400_000).toISOString();

    // Act
    const result = await invoke(
      { parcelId: record.parcelId, driverId: 'driver-9', deliveryDate: DELIVERY_DATE },
      twoDaysAhead,
    );

    // Assess
    expect(result).toEqual({ outcome: 'REFUSED', reason: 'EVENT_TIME_IN_FUTURE' });
    expect(await t.tables.item(record.parcelId)).toEqual(record);
    expect(refusals()).toMatchObject([{ detail: { reason: 'EVENT_TIME_IN_FUTURE', field: 'time' } }]);
  });
});
