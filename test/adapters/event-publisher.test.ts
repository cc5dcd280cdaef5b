import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventPublisher } from '../../lambdas/adapters/event-publisher.ts';

const eventBridge = mockClient(EventBridgeClient);
const publisher = new EventPublisher(
  new EventBridgeClient({ region: 'eu-central-1' }),
  'secure-delivery-bus',
  'secure-delivery',
);

beforeEach(() => {
  eventBridge.reset();
});

describe('EventPublisher.publish', () => {
  it('puts one entry on the bus with the source, detail type and JSON detail', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });

    // Act
    await publisher.publish('Parcel Handover Verified', { parcelId: 'PCL-789', driverId: 'driver-1' });

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'secure-delivery-bus',
          Source: 'secure-delivery',
          DetailType: 'Parcel Handover Verified',
          Detail: '{"parcelId":"PCL-789","driverId":"driver-1"}',
        },
      ],
    });
  });

  it('throws with the error code when EventBridge reports the entry as failed', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    // Act
    const publish = publisher.publish('Parcel Handover Verified', { parcelId: 'PCL-789' });

    // Assess
    await expect(publish).rejects.toThrow('PutEvents failed: InternalFailure try again');
  });
});
