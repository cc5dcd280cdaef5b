import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { captureOutput, lambdaContext, loadHandler, otpRecord, TABLE } from './support.ts';

type Handler = typeof import('../../lambdas/assign-driver/handler.ts')['handler'];

const ddb = mockClient(DynamoDBClient);

let handler: Handler;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  handler = await loadHandler<Handler>('assign-driver', {
    OTP_TABLE_NAME: TABLE,
  });
});

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  ddb.reset();
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

function outForDelivery(detail: Record<string, unknown>): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: '7b8f9a0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
    'detail-type': 'Parcel Out For Delivery',
    source: 'carrier.dispatch',
    account: '123456789012',
    time: '2026-12-01T06:30:00Z',
    region: 'eu-central-1',
    resources: [],
    detail,
  };
}

const invoke = (event: EventBridgeEvent<string, unknown>) => handler(event, lambdaContext('assign-driver'));

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
    expect(output.text()).toContain('"outcome":"REFUSED"');
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
