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
    await publisher.publish('Delivery Otp Undeliverable', {
      parcelId: 'PCL-789',
      channel: 'EMAIL',
      reason: 'EMAIL_BOUNCED',
    });

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'secure-delivery-bus',
          Source: 'secure-delivery',
          DetailType: 'Delivery Otp Undeliverable',
          Detail: '{"parcelId":"PCL-789","channel":"EMAIL","reason":"EMAIL_BOUNCED"}',
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
    const publish = publisher.publish('Delivery Otp Revoked', { parcelId: 'PCL-789' });

    // Assess
    await expect(publish).rejects.toThrow('PutEvents failed: InternalFailure try again');
  });

  it('takes only a detail of the event it names, every field present, nothing extra (checked by tsc)', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });

    // Act
    const published = [
      // @ts-expect-error a field of the event is missing
      publisher.publish('Delivery Otp Undeliverable', { parcelId: 'PCL-789', channel: 'EMAIL' }),
      // @ts-expect-error a field the event does not have (an email never goes on the bus)
      publisher.publish('Delivery Otp Revoked', { parcelId: 'PCL-789', email: 'alex@example.com' }),
      // @ts-expect-error a consumed carrier event is not the product's to publish
      publisher.publish('Parcel Returned', { parcelId: 'PCL-789' }),
    ];

    // Assess
    await Promise.all(published);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });
});
