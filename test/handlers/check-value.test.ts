import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventBridgeEvent, parcelShippedDetail } from '../support/fixtures.ts';
import { handlerTest } from './support.ts';

type Handler = typeof import('../../lambdas/check-value/handler.ts')['handler'];

// 2026-12-01 11:00 in Berlin.
const NOW = new Date('2026-12-01T10:00:00Z');
const dynamodb = mockClient(DynamoDBClient);
const clients = [
  dynamodb,
  mockClient(EventBridgeClient),
  mockClient(SecretsManagerClient),
  mockClient(SESClient),
];

const t = handlerTest<Handler>(
  'check-value',
  {
    OTP_THRESHOLDS: JSON.stringify({ EUR: 50_000, GBP: 40_000, USD: 50_000, CHF: 50_000 }),
  },
  { mocks: clients, now: NOW },
);

beforeEach(() => {
  dynamodb.on(GetItemCommand).resolves({});
});

const detail = (overrides: Record<string, unknown> = {}) => parcelShippedDetail(overrides);
const shipped = (body: unknown) => eventBridgeEvent('Parcel Shipped', body);

const invoke = (event: EventBridgeEvent<string, unknown>) => t.handler(event, t.context);
const awsCalls = () => clients.reduce((total, client) => total + client.calls().length, 0);

describe('check-value handler', () => {
  it('requires a code for a high-value HOME delivery by our own fleet (EUR 1299.00)', async () => {
    // Act
    const result = await invoke(shipped(detail()));

    // Assess
    expect(result).toEqual({
      parcelId: 'PCL-789',
      otpRequired: true,
      reason: 'AT_OR_ABOVE_THRESHOLD',
      parcel: detail(),
      eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      codeExists: false,
    });
    expect(awsCalls()).toBe(0);
  });

  it('does not require a code for a LOCKER destination', async () => {
    // Act
    const result = await invoke(
      shipped(detail({ destination: { type: 'LOCKER', timeZone: 'Europe/Berlin' } })),
    );

    // Assess
    expect(result).toMatchObject({ otpRequired: false, reason: 'DESTINATION_NOT_HOME' });
  });

  it('reads only the issue id of a parcel needing no code, and says when it has a code already', async () => {
    // Prepare: the parcel was shipped before at a value that needed a code.
    dynamodb.on(GetItemCommand).resolves({ Item: { parcelId: { S: 'PCL-789' }, issueId: { S: 'issue-1' } } });

    // Act
    const result = await invoke(shipped(detail({ declaredValue: { amount: 100, currency: 'EUR' } })));

    // Assess
    expect(result).toMatchObject({ otpRequired: false, reason: 'BELOW_THRESHOLD', codeExists: true });
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
      Key: { parcelId: { S: 'PCL-789' } },
      ProjectionExpression: '#a0, #a1',
      ExpressionAttributeNames: { '#a0': 'parcelId', '#a1': 'issueId' },
    });
  });

  it('does not require a code below the threshold', async () => {
    // Act
    const result = await invoke(shipped(detail({ declaredValue: { amount: 49_999, currency: 'EUR' } })));

    // Assess
    expect(result).toMatchObject({ otpRequired: false, reason: 'BELOW_THRESHOLD' });
  });

  it('requires a code for a currency without a configured threshold', async () => {
    // Act
    const result = await invoke(shipped(detail({ declaredValue: { amount: 100, currency: 'JPY' } })));

    // Assess
    expect(result).toMatchObject({ otpRequired: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' });
  });

  it("refuses amount '12' with InvalidParcelEventError naming detail.declaredValue.amount, and calls no AWS API", async () => {
    // Act
    const result = await invoke(shipped(detail({ declaredValue: { amount: '12', currency: 'EUR' } })));

    // Assess
    expect(result).toEqual({
      outcome: 'REFUSED',
      refusal: {
        detail: {
          parcelId: 'PCL-789',
          refusedDetailType: 'Parcel Shipped',
          reason: 'INVALID_FIELD',
          field: 'detail.declaredValue.amount',
          eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        },
        error: 'InvalidParcelEventError',
        cause: expect.stringContaining('detail.declaredValue.amount'),
      },
    });
    expect(awsCalls()).toBe(0);
  });

  it('refuses an event that is not an EventBridge event with InvalidParcelEventError naming the envelope field', async () => {
    // Prepare
    const { time: _time, ...withoutTime } = shipped(detail());

    // Act
    const result = await invoke(withoutTime as EventBridgeEvent<string, unknown>);

    // Assess
    expect(result).toMatchObject({
      refusal: { detail: { reason: 'INVALID_FIELD', field: 'time' }, error: 'InvalidParcelEventError' },
    });
  });

  it('refuses a code-requiring parcel whose delivery day is over (DELIVERY_DATE_OVER, DeliveryDateOutOfRangeError)', async () => {
    // Act
    const result = await invoke(shipped(detail({ expectedDeliveryDate: '2026-11-30' })));

    // Assess
    expect(result).toMatchObject({
      outcome: 'REFUSED',
      refusal: {
        detail: { reason: 'DELIVERY_DATE_OVER', field: 'detail.expectedDeliveryDate' },
        error: 'DeliveryDateOutOfRangeError',
      },
    });
  });

  it('refuses a delivery day too far ahead (DELIVERY_DATE_TOO_FAR_AHEAD)', async () => {
    // Act
    const result = await invoke(shipped(detail({ expectedDeliveryDate: '2027-12-01' })));

    // Assess
    expect(result).toMatchObject({ refusal: { detail: { reason: 'DELIVERY_DATE_TOO_FAR_AHEAD' } } });
  });

  it('names no parcel id in a refusal when the event’s parcelId is not one (an address stays off the bus)', async () => {
    // Act
    const result = await invoke(shipped(detail({ parcelId: 'erika.mustermann@mail.test' })));

    // Assess
    expect(result).toMatchObject({ refusal: { detail: { field: 'detail.parcelId' } } });
    expect(JSON.stringify(result)).not.toContain('"parcelId"');
  });

  it('does not check the delivery date of a parcel that needs no code', async () => {
    // Act
    const result = await invoke(
      shipped(detail({ expectedDeliveryDate: '2026-11-30', deliveryPartner: 'PARTNER' })),
    );

    // Assess
    expect(result).toMatchObject({ otpRequired: false, reason: 'PARTNER_DELIVERY' });
  });

  it('logs the decision without the recipient email or name', async () => {
    // Act
    await invoke(shipped(detail()));

    // Assess
    const logs = t.output.text();
    expect(logs).toContain('Value checked');
    expect(logs).toContain('AT_OR_ABOVE_THRESHOLD');
    expect(logs).not.toContain('erika.mustermann@mail.test');
    expect(logs).not.toContain('Erika Mustermann');
  });
});
