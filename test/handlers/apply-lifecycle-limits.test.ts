import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-otp-store.ts';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { DRIVER_ID, eventBridgeEvent, otpRecord, PARCEL_ID } from '../support/fixtures.ts';
import {
  answerGenerateMac,
  ENCRYPTION_SECRET,
  ENCRYPTION_SECRET_ARN,
  HASH_KEY_ARN,
  handlerTest,
  RECIPIENT_TABLE,
  TABLE,
} from './support.ts';

// The per-parcel cap of wrong codes also stops reissuing (a fresh code would be fresh tries), and the
// retention sets how long a reissued code's record is kept: this file sets both to values other than the
// contract's defaults, so a handler that ignored its environment would fail here.

type Handler = typeof import('../../lambdas/apply-lifecycle/handler.ts')['handler'];

const PER_PARCEL = 6;
const RETENTION_DAYS = 12;
const DAY = 86_400;
const NOW = new Date('2026-12-01T10:00:00Z');
const NEXT_ATTEMPT = '2026-12-03';

const ddb = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);

const t = handlerTest<Handler>(
  'apply-lifecycle',
  {
    OTP_TABLE_NAME: TABLE,
    RECIPIENT_TABLE_NAME: RECIPIENT_TABLE,
    OTP_HASH_KEY_ARN: HASH_KEY_ARN,
    OTP_ENCRYPTION_SECRET_ARN: ENCRYPTION_SECRET_ARN,
    MAX_WRONG_ATTEMPTS_PER_PARCEL: String(PER_PARCEL),
    RECORD_RETENTION_DAYS: String(RETENTION_DAYS),
  },
  { mocks: [ddb, secrets, kms], now: NOW },
);

beforeEach(() => {
  answerGenerateMac(kms);
  secrets
    .on(GetSecretValueCommand, { SecretId: ENCRYPTION_SECRET_ARN })
    .resolves({ SecretString: ENCRYPTION_SECRET });
});

const attemptFailed = (): EventBridgeEvent<string, unknown> =>
  eventBridgeEvent('Delivery Attempt Failed', {
    parcelId: PARCEL_ID,
    driverId: DRIVER_ID,
    reason: 'NOBODY_HOME',
    nextAttemptDate: NEXT_ATTEMPT,
  }) as EventBridgeEvent<string, unknown>;

const codeWrites = () =>
  ddb
    .commandCalls(UpdateItemCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.TableName === TABLE);

describe('apply-lifecycle handler: configured parcel cap and retention', () => {
  it('uses a cap and a retention other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(PER_PARCEL).not.toBe(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default);
    expect(RETENTION_DAYS).not.toBe(ENVIRONMENT.RECORD_RETENTION_DAYS.default);
  });

  it('issues no fresh code to a parcel at MAX_WRONG_ATTEMPTS_PER_PARCEL wrong codes, and revokes its code', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: toItem(otpRecord({ totalWrongAttempts: PER_PARCEL })) });
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(otpRecord({ status: 'REVOKED' })) });

    // Act
    const result = await t.handler(attemptFailed(), t.context);

    // Assess
    expect(result).toMatchObject({ outcome: 'LOCKED', totalWrongAttempts: PER_PARCEL });
    expect(codeWrites().map((input) => input.ExpressionAttributeValues?.[':revoked'])).toEqual([
      { S: 'REVOKED' },
    ]);
  });

  it('reissues only while the parcel is under the cap, and keeps the record RECORD_RETENTION_DAYS past the new code', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: toItem(otpRecord({ totalWrongAttempts: PER_PARCEL - 1 })) });
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(otpRecord()) });

    // Act
    const result = await t.handler(attemptFailed(), t.context);

    // Assess
    expect(result).toMatchObject({ outcome: 'REISSUED', parcelId: PARCEL_ID });
    const [reissue] = codeWrites();
    const values = reissue?.ExpressionAttributeValues ?? {};
    expect(values[':parcelMax']).toEqual({ N: String(PER_PARCEL) });
    expect(Number(values[':ttl']?.N) - Number(values[':expires']?.N)).toBe(RETENTION_DAYS * DAY);
  });
});
