import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent, parcelShippedDetail } from '../support/fixtures.ts';
import { handlerTest } from './support.ts';

type Handler = typeof import('../../lambdas/check-value/handler.ts')['handler'];

// 2026-12-01 11:00 in Berlin.
const NOW = new Date('2026-12-01T10:00:00Z');
const clients = [
  mockClient(DynamoDBClient),
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

  it("throws InvalidParcelEventError naming detail.declaredValue.amount for amount '12', and calls no AWS API", async () => {
    // Act
    const run = invoke(shipped(detail({ declaredValue: { amount: '12', currency: 'EUR' } })));

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'InvalidParcelEventError',
      field: 'detail.declaredValue.amount',
      message: expect.stringContaining('detail.declaredValue.amount'),
    });
    expect(awsCalls()).toBe(0);
  });

  it('throws InvalidParcelEventError naming the envelope field when the event is not an EventBridge event', async () => {
    // Prepare
    const { time: _time, ...withoutTime } = shipped(detail());

    // Act
    const run = invoke(withoutTime as EventBridgeEvent<string, unknown>);

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'time' });
  });

  it('fails fast with DeliveryDateOutOfRangeError for a code-requiring parcel whose delivery day is over', async () => {
    // Act
    const run = invoke(shipped(detail({ expectedDeliveryDate: '2026-11-30' })));

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'DeliveryDateOutOfRangeError',
      field: 'detail.expectedDeliveryDate',
    });
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
    expect(logs).not.toContain('erika.mustermann@example.com');
    expect(logs).not.toContain('Erika Mustermann');
  });
});
