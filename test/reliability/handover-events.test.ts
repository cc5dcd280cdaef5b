import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  busEventsFor,
  type Harness,
  itemOf,
  printFigure,
  readyForHandover,
  startHarness,
  verify,
  wrongCodeFor,
} from './support.ts';

let h: Harness;
const figures = { lostAnswers: 0, handoverEvents: 0, receipts: 0, duplicateDeliveries: 0 };

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => {
  h.sandbox.faults.dynamodb.clear();
});

afterAll(async () => {
  await h?.stop();
  printFigure(
    `FIGURE handover-events: lostAnswers=${figures.lostAnswers} handoverEvents=${figures.handoverEvents} ` +
      `receipts=${figures.receipts} duplicateDeliveries=${figures.duplicateDeliveries}`,
  );
});

const streamRecordsFor = (parcelId: string) =>
  h.sandbox.streams.streamArns
    .flatMap((arn) => h.sandbox.streams.records(arn))
    .filter((record) => record.dynamodb.Keys.parcelId?.S === parcelId);

describe('Parcel Handover Verified from the table stream', () => {
  it.each([
    ['the connection drops', 'drop'],
    ['DynamoDB answers 500', 'answer'],
  ] as const)(
    'publishes exactly one handover event and emails one receipt when verify’s answer is lost after its write committed (%s)',
    async (_, lost) => {
      // Prepare
      const parcelId = `LOST-${lost}`;
      const { code, token, recipient } = await readyForHandover(h, parcelId, 'D-LOST-1');
      const dynamodb = h.sandbox.faults.dynamodb;
      const injectedBefore = dynamodb.stats.faultsInjected;
      dynamodb.inject({
        operation: 'DynamoDB_20120810.UpdateItem',
        status: 500,
        errorCode: 'InternalServerError',
        times: 1,
        afterForwarding: lost,
      });

      // Act
      const answer = await verify(h, parcelId, code, token);
      await h.sandbox.settled();

      // Assess
      expect(dynamodb.stats.faultsInjected - injectedBefore).toBe(1);
      // The SDK's retry finds the handover already committed: the driver hears 409, the parcel is handed over.
      expect(answer.status).toBe(409);
      const item = await itemOf(h, parcelId);
      expect(item?.status?.S).toBe('VERIFIED');
      const events = await busEventsFor(h, 'Parcel Handover Verified', parcelId);
      expect(events).toEqual([{ parcelId, driverId: 'D-LOST-1', verifiedAt: item?.verifiedAtIso?.S }]);
      const emails = await h.client.emailsTo(recipient);
      expect(emails).toHaveLength(2);
      expect(emails[1]?.text).toContain(parcelId);
      expect(item?.receiptStatus?.S).toBe('SENT');
      figures.lostAnswers++;
      figures.handoverEvents += events.length;
      figures.receipts += emails.length - 1;
    },
  );

  it('emails one receipt when the stream’s event is delivered three times at once (at-least-once)', async () => {
    // Prepare
    const parcelId = 'DUP-STREAM-1';
    const { code, token, recipient } = await readyForHandover(h, parcelId, 'D-DUP-1');
    const verified = await verify(h, parcelId, code, token);
    const detail = { parcelId, driverId: 'D-DUP-1', verifiedAt: verified.json?.verifiedAt };

    // Act: two more copies of the pipe's event, as a retried PutEvents or a re-read shard would put them.
    const duplicates = Array.from({ length: 2 }, () =>
      h.client.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: h.sandbox.endpoints.eventBusName,
              Source: 'secure-delivery',
              DetailType: 'Parcel Handover Verified',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      ),
    );
    await Promise.all(duplicates);
    await h.sandbox.settled();

    // Assess
    expect(verified.status).toBe(200);
    expect(await busEventsFor(h, 'Parcel Handover Verified', parcelId)).toEqual([detail, detail, detail]);
    const emails = await h.client.emailsTo(recipient);
    expect(emails).toHaveLength(2);
    expect((await itemOf(h, parcelId))?.receiptStatus?.S).toBe('SENT');
    figures.duplicateDeliveries += 2;
  });

  it('publishes nothing for issue, binding, wrong codes, revocation or the TTL deletion: only for the transition to VERIFIED', async () => {
    // Prepare
    const parcelId = 'QUIET-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-QUIET-1');

    // Act
    const wrong = [await verify(h, parcelId, wrongCodeFor(code), token)];
    wrong.push(await verify(h, parcelId, wrongCodeFor(code, 2), token));
    await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId } }]);
    await h.sandbox.settled();
    const revoked = await verify(h, parcelId, code, token);
    const ttl = Number((await itemOf(h, parcelId))?.ttl?.N);
    await h.sandbox.sweepExpired(ttl + 1);
    await h.sandbox.settled();

    // Assess
    expect(wrong.map((answer) => answer.status)).toEqual([422, 422]);
    expect(revoked.status).toBe(410);
    const records = streamRecordsFor(parcelId);
    expect(records[0]?.eventName).toBe('INSERT');
    expect(records.filter((record) => record.eventName === 'MODIFY').length).toBeGreaterThanOrEqual(4);
    expect(records.at(-1)).toMatchObject({
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    expect(records.some((record) => record.dynamodb.NewImage?.status?.S === 'REVOKED')).toBe(true);
    expect(await busEventsFor(h, 'Parcel Handover Verified', parcelId)).toEqual([]);
    expect(h.sandbox.pipes.deadLetters).toEqual([]);
  });
});
