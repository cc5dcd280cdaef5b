import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { otpRecord } from '../support/fixtures.ts';
import {
  answerGenerateMac,
  captureOutput,
  ENCRYPTION_SECRET,
  ENCRYPTION_SECRET_ARN,
  HASH_KEY_ARN,
  lambdaContext,
  loadHandler,
  RECIPIENT_TABLE,
  TABLE,
} from './support.ts';

// The environment apply-lifecycle gets from lib/: settings other than the contract's defaults.
type Handler = typeof import('../../lambdas/apply-lifecycle/handler.ts')['handler'];

const NOW = new Date('2026-12-01T10:00:00Z');
const DAY = 86_400;
const MAX_DAYS_AHEAD = 120;
const RETENTION_DAYS = 45;

const ddb = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);

let handler: Handler;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  handler = await loadHandler<Handler>('apply-lifecycle', {
    OTP_TABLE_NAME: TABLE,
    RECIPIENT_TABLE_NAME: RECIPIENT_TABLE,
    OTP_HASH_KEY_ARN: HASH_KEY_ARN,
    OTP_ENCRYPTION_SECRET_ARN: ENCRYPTION_SECRET_ARN,
    MAX_WRONG_ATTEMPTS_PER_PARCEL: '10',
    RECORD_RETENTION_DAYS: String(RETENTION_DAYS),
    MAX_DELIVERY_DAYS_AHEAD: String(MAX_DAYS_AHEAD),
  });
});

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  kms.reset();
  answerGenerateMac(kms);
  secrets
    .on(GetSecretValueCommand, { SecretId: ENCRYPTION_SECRET_ARN })
    .resolves({ SecretString: ENCRYPTION_SECRET });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

function lifecycleEvent(
  detailType: string,
  detail: Record<string, unknown>,
): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: '7b8f9a0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
    'detail-type': detailType,
    source: 'carrier.dispatch',
    account: '123456789012',
    time: '2026-12-01T09:30:00Z',
    region: 'eu-central-1',
    resources: [],
    detail,
  };
}

const invoke = (event: EventBridgeEvent<string, unknown>) => handler(event, lambdaContext('apply-lifecycle'));

const inDays = (days: number) => new Date(NOW.getTime() + days * DAY * 1000).toISOString().slice(0, 10);

describe('apply-lifecycle handler, configured through its environment', () => {
  it('reissues for a next attempt further ahead than the default allows, up to MAX_DELIVERY_DAYS_AHEAD', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: toItem(otpRecord()) });
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(otpRecord()) });

    // Act
    const result = await invoke(
      lifecycleEvent('Delivery Attempt Failed', {
        parcelId: 'PCL-789',
        driverId: 'driver-1',
        reason: 'NOBODY_HOME',
        nextAttemptDate: inDays(100),
      }),
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'REISSUED', parcelId: 'PCL-789' });
  });

  it('keeps a closed parcel for the configured days ahead plus retention', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: { parcelId: { S: 'PCL-789' } } });

    // Act
    await invoke(lifecycleEvent('Parcel Returned', { parcelId: 'PCL-789' }));

    // Assess
    const close = ddb
      .commandCalls(UpdateItemCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.TableName === TABLE);
    const nowSeconds = NOW.getTime() / 1000;
    expect(Number(close?.ExpressionAttributeValues?.[':placeholderTtl']?.N) - nowSeconds).toBe(
      (MAX_DAYS_AHEAD + RETENTION_DAYS) * DAY,
    );
  });
});
