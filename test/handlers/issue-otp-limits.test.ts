import {
  type AttributeValue,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { parcelShippedDetail } from '../support/fixtures.ts';
import {
  answerEncryptionSecret,
  answerGenerateMac,
  ENCRYPTION_SECRET_ARN,
  HASH_KEY_ARN,
  handlerTest,
  RECIPIENT_TABLE,
  TABLE,
} from './support.ts';

// How far ahead a code may be valid and how long its record is kept: this file sets both to values other
// than the contract's defaults, so a handler that ignored its environment would fail here.

type Handler = typeof import('../../lambdas/issue-otp/handler.ts')['handler'];

const MAX_DAYS_AHEAD = 7;
const RETENTION_DAYS = 12;
const DAY = 86_400;
// 2026-12-01 11:00 in Berlin.
const NOW = new Date('2026-12-01T10:00:00Z');

const ddb = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);

const t = handlerTest<Handler>(
  'issue-otp',
  {
    OTP_TABLE_NAME: TABLE,
    RECIPIENT_TABLE_NAME: RECIPIENT_TABLE,
    OTP_HASH_KEY_ARN: HASH_KEY_ARN,
    OTP_ENCRYPTION_SECRET_ARN: ENCRYPTION_SECRET_ARN,
    RECORD_RETENTION_DAYS: String(RETENTION_DAYS),
    MAX_DELIVERY_DAYS_AHEAD: String(MAX_DAYS_AHEAD),
  },
  { mocks: [ddb, secrets, kms], now: NOW },
);

beforeEach(() => {
  answerGenerateMac(kms);
  answerEncryptionSecret(secrets);
  // DynamoDB answering the create as it would: ALL_NEW is what was written.
  ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => ({ Attributes: itemOf(input) }));
});

/** The item an UpdateItem writes: key plus every `#name = :value` it sets. */
function itemOf(input: UpdateItemCommandInput): Record<string, AttributeValue> {
  const fields = Object.entries(input.ExpressionAttributeNames ?? {}).map(([alias, name]) => [
    name,
    input.ExpressionAttributeValues?.[alias.replace('#', ':')] as AttributeValue,
  ]);
  return { ...input.Key, ...Object.fromEntries(fields) };
}

const codeWrites = () =>
  ddb
    .commandCalls(UpdateItemCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.TableName === TABLE);

const inDays = (days: number) => new Date(NOW.getTime() + days * DAY * 1000).toISOString().slice(0, 10);

describe('issue-otp handler: configured days ahead and retention', () => {
  it('uses settings other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(MAX_DAYS_AHEAD).not.toBe(ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default);
    expect(RETENTION_DAYS).not.toBe(ENVIRONMENT.RECORD_RETENTION_DAYS.default);
  });

  it('issues no code for a delivery day further ahead than MAX_DELIVERY_DAYS_AHEAD, and writes nothing', async () => {
    // Act
    const run = t.handler(
      parcelShippedDetail({ expectedDeliveryDate: inDays(MAX_DAYS_AHEAD + 1) }),
      t.context,
    );

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'DeliveryDateOutOfRangeError' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('keeps the record RECORD_RETENTION_DAYS after its code expires', async () => {
    // Act
    await t.handler(parcelShippedDetail({ expectedDeliveryDate: inDays(MAX_DAYS_AHEAD) }), t.context);

    // Assess
    const [create] = codeWrites();
    const item = create ? itemOf(create) : {};
    expect(Number(item.ttl?.N) - Number(item.expiresAt?.N)).toBe(RETENTION_DAYS * DAY);
  });
});
