/**
 * Every carrier event the product refuses gets an answer on the bus (`Parcel Event Refused`), and the
 * refusals that protect a parcel: a clock days ahead cannot pin a binding, a redelivered Parcel Shipped
 * cannot bring back a closed parcel's recipient. Driven only through the SDK, HTTP and the sandbox's
 * inspection endpoint.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { ParcelShippedDetailExample } from '../../lambdas/domain/events/carrier-events.ts';
import { codeFromEmail, recipientTableName, shippedDetail } from '../../sandbox/app/client.ts';
import { todayIn } from '../../sandbox/app/ship-parcel.ts';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();
// The parcel's own today, in its time zone: in UTC it is still yesterday in Berlin for an hour each night.
const today = () => todayIn(ParcelShippedDetailExample.destination.timeZone);
const refusalsOf = (parcelId: string) => busEventsFor(e2e, 'Parcel Event Refused', parcelId);

/** Puts one carrier event stamped `time` (as a carrier with its own clock does); returns its event id. */
async function publishAt(detailType: string, detail: Record<string, unknown>, time: Date): Promise<string> {
  const { eventBusName, eventSource } = e2e.sandbox.endpoints;
  const output = await e2e.client.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: eventBusName,
          Source: eventSource,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          Time: time,
        },
      ],
    }),
  );
  await e2e.sandbox.settled();
  return output.Entries?.[0]?.EventId ?? '';
}

async function recipientItem(parcelId: string) {
  const { endpoints } = e2e.sandbox;
  const ddb = new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const output = await ddb.send(
    new GetItemCommand({
      TableName: await recipientTableName(ddb),
      Key: { parcelId: { S: parcelId } },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

describe('refused carrier events', () => {
  it('answers a Parcel Shipped whose delivery day is over with Parcel Event Refused (DELIVERY_DATE_OVER), at inspectUrl and in the log', async () => {
    // Prepare
    const detail = shippedDetail('REF-LATE-1', { expectedDeliveryDate: '2026-01-15' });

    // Act
    const [eventId] = await e2e.client.publish([{ detailType: 'Parcel Shipped', detail }]);
    await e2e.sandbox.settled();

    // Assess
    const onTheBus = (await e2e.client.busEvents()).filter(
      (event) => event['detail-type'] === 'Parcel Event Refused' && event.detail.eventId === eventId,
    );
    expect(onTheBus).toEqual([
      expect.objectContaining({
        source: 'secure-delivery',
        detail: {
          parcelId: 'REF-LATE-1',
          refusedDetailType: 'Parcel Shipped',
          reason: 'DELIVERY_DATE_OVER',
          field: 'detail.expectedDeliveryDate',
          eventId,
        },
      }),
    ]);
    expect(JSON.stringify(onTheBus)).not.toContain('ref-late-1@example.com');
    expect(e2e.logLines.join('\n')).toMatch(
      /"Parcel Event Refused" parcel=REF-LATE-1 reason=DELIVERY_DATE_OVER field=detail.expectedDeliveryDate/,
    );
    expect(await e2e.client.emailsTo('ref-late-1@example.com')).toHaveLength(0);
  });

  it('refuses an Out For Delivery stamped two days ahead: after the failed attempt the next driver verifies (200), the failed driver cannot (403)', async () => {
    // Prepare: the reviewer's case. A carrier clock two days fast binds D-1 "in the future"; D-1's own
    // failed attempt then kept that binding and the next driver's genuine Out For Delivery was refused.
    const parcelId = 'REF-FUTURE-OFD-1';
    const { recipient } = await e2e.ship(parcelId);
    const twoDaysAhead = new Date(Date.now() + 2 * 86_400_000);

    // Act
    await publishAt(
      'Parcel Out For Delivery',
      { parcelId, driverId: 'D-1', deliveryDate: today() },
      twoDaysAhead,
    );
    await publishAt(
      'Delivery Attempt Failed',
      { parcelId, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: today() },
      new Date(),
    );
    await publishAt(
      'Parcel Out For Delivery',
      { parcelId, driverId: 'D-2', deliveryDate: today() },
      new Date(),
    );
    const reissued = codeFromEmail((await e2e.client.emailsTo(recipient))[1]?.text ?? '') as string;
    const failedDriver = await e2e.client.verify(
      parcelId,
      { code: reissued },
      await e2e.client.driverToken('D-1'),
    );
    const nextDriver = await e2e.client.verify(
      parcelId,
      { code: reissued },
      await e2e.client.driverToken('D-2'),
    );

    // Assess
    expect(failedDriver.status).toBe(403);
    expect(nextDriver.status).toBe(200);
    expect(await refusalsOf(parcelId)).toEqual([
      expect.objectContaining({
        refusedDetailType: 'Parcel Out For Delivery',
        reason: 'EVENT_TIME_IN_FUTURE',
        field: 'time',
      }),
    ]);
  });

  it('binds an Out For Delivery from a carrier clock three minutes fast', async () => {
    // Prepare
    const parcelId = 'REF-FAST-CLOCK-1';
    const { emails } = await e2e.ship(parcelId);
    const code = codeFromEmail(emails[0]?.text ?? '') as string;

    // Act
    await publishAt(
      'Parcel Out For Delivery',
      { parcelId, driverId: 'D-1', deliveryDate: today() },
      new Date(Date.now() + 3 * 60_000),
    );
    const verified = await e2e.client.verify(parcelId, { code }, await e2e.client.driverToken('D-1'));

    // Assess
    expect(verified.status).toBe(200);
    expect(await refusalsOf(parcelId)).toEqual([]);
  });

  it('keeps a returned parcel’s recipient deleted when its Parcel Shipped is delivered again, and says PARCEL_CLOSED', async () => {
    // Prepare
    const parcelId = 'REF-REDELIVERED-1';
    const [shippedId] = await e2e.client.publish([
      { detailType: 'Parcel Shipped', detail: shippedDetail(parcelId) },
    ]);
    await e2e.sandbox.settled();
    await e2e.publish('Parcel Returned', { parcelId });
    const deletedAtClosure = await recipientItem(parcelId);

    // Act: EventBridge delivers at least once (the same event, its id unchanged).
    e2e.sandbox.bus.redeliver(shippedId as string);
    await e2e.sandbox.settled();

    // Assess
    expect(deletedAtClosure).toBeUndefined();
    expect(await recipientItem(parcelId)).toBeUndefined();
    expect(await refusalsOf(parcelId)).toEqual([
      expect.objectContaining({
        refusedDetailType: 'Parcel Shipped',
        reason: 'PARCEL_CLOSED',
        eventId: shippedId,
      }),
    ]);
  });

  it('announces nothing new for a second Parcel Shipped of a parcel with a code, even one that needs no code', async () => {
    // Prepare
    const parcelId = 'REF-TWICE-1';
    await e2e.ship(parcelId);

    // Act
    await e2e.ship(parcelId, { declaredValue: { amount: 100, currency: 'EUR' } });

    // Assess
    expect(await busEventsFor(e2e, 'Delivery Otp Not Required', parcelId)).toEqual([]);
    expect(await busEventsFor(e2e, 'Delivery Otp Issued', parcelId)).toHaveLength(1);
    expect(await refusalsOf(parcelId)).toEqual([]);
  });

  it('answers a failed attempt for a parcel it never saw with PARCEL_UNKNOWN, and a redelivered one with nothing more', async () => {
    // Prepare
    const failure = { parcelId: 'REF-UNKNOWN-1', driverId: 'D-1', reason: 'NOBODY_HOME' };

    // Act
    await e2e.publish('Delivery Attempt Failed', failure);

    // Assess
    expect(await refusalsOf('REF-UNKNOWN-1')).toEqual([
      expect.objectContaining({ refusedDetailType: 'Delivery Attempt Failed', reason: 'PARCEL_UNKNOWN' }),
    ]);
  });

  it('retries a PutEvents step EventBridge throttled: the code email is announced once and the run succeeds', async () => {
    // Prepare
    e2e.sandbox.bus.failEntries({
      detailType: 'Delivery Otp Issued',
      errorCode: 'ThrottlingException',
      times: 1,
    });

    // Act
    await e2e.ship('REF-THROTTLED-1');

    // Assess
    e2e.sandbox.bus.clearEntryFailures();
    expect(await busEventsFor(e2e, 'Delivery Otp Issued', 'REF-THROTTLED-1')).toHaveLength(1);
    const runs = (await e2e.client.executions()).filter((execution) =>
      execution.input?.includes('REF-THROTTLED-1'),
    );
    expect(runs.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
  });
});
