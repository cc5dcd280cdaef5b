import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { eventBridgeEvent, otpRecord } from '../support/fixtures.ts';
import { handlerTest, TABLE } from './support.ts';

type Handler = typeof import('../../lambdas/assign-driver/handler.ts')['handler'];

const ddb = mockClient(DynamoDBClient);

const t = handlerTest<Handler>('assign-driver', { OTP_TABLE_NAME: TABLE }, { mocks: [ddb] });

const outForDelivery = (detail: Record<string, unknown>) =>
  eventBridgeEvent('Parcel Out For Delivery', detail, {
    id: '7b8f9a0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
    time: '2026-12-01T06:30:00Z',
  });

const invoke = (event: EventBridgeEvent<string, unknown>) => t.handler(event, t.context);

describe('assign-driver handler', () => {
  it('binds the open code to the driver with a write conditioned on ISSUED and on the event being the newest', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(otpRecord({ driverId: 'driver-9' })) });

    // Act
    const result = await invoke(
      outForDelivery({ parcelId: 'PCL-789', driverId: 'driver-9', deliveryDate: '2026-12-01' }),
    );

    // Assess
    expect(result).toEqual({ parcelId: 'PCL-789', outcome: 'BOUND' });
    expect(ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
      UpdateExpression: 'SET driverId = :driver, boundAt = :at, #ttl = if_not_exists(#ttl, :placeholderTtl)',
      ConditionExpression:
        '((attribute_not_exists(issueId) AND attribute_not_exists(closedAt)) OR #status = :issued) ' +
        'AND (attribute_not_exists(boundAt) OR boundAt <= :at)',
      ExpressionAttributeValues: expect.objectContaining({
        ':driver': { S: 'driver-9' },
        ':issued': { S: 'ISSUED' },
        ':at': expect.anything(),
      }),
    });
  });

  it('answers REFUSED, without throwing, for a parcel whose code is closed', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const result = await invoke(
      outForDelivery({ parcelId: 'PCL-low', driverId: 'driver-9', deliveryDate: '2026-12-01' }),
    );

    // Assess
    expect(result).toEqual({ parcelId: 'PCL-low', outcome: 'REFUSED' });
    expect(t.output.text()).toContain('"outcome":"REFUSED"');
  });

  it('throws InvalidParcelEventError naming detail.driverId for a bad driver id, and writes nothing', async () => {
    // Act
    const run = invoke(
      outForDelivery({ parcelId: 'PCL-789', driverId: 'driver 9', deliveryDate: '2026-12-01' }),
    );

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'detail.driverId' });
    expect(ddb.calls()).toHaveLength(0);
  });
});
