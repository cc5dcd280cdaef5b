import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fromItem, toItem } from '../../lambdas/adapters/dynamodb-code-item.ts';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { decryptOtpCode, isWellFormedOtpCode } from '../../lambdas/domain/otp-code.ts';
import { codeMac } from '../domain/fake-code-hasher.ts';
import { otpRecord, parcelShippedDetail } from '../support/fixtures.ts';
import {
  answerEncryptionSecret,
  answerGenerateMac,
  ENCRYPTION_KEY,
  ENCRYPTION_SECRET_ARN,
  HASH_KEY_ARN,
  handlerTest,
  RECIPIENT_TABLE,
  TABLE,
} from './support.ts';

type Handler = typeof import('../../lambdas/issue-otp/handler.ts')['handler'];

// How far ahead a code may be valid and how long its record is kept: this file sets both to values other
// than the contract's defaults, so a handler that ignored its environment would fail here.
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
  { RECORD_RETENTION_DAYS: String(RETENTION_DAYS), MAX_DELIVERY_DAYS_AHEAD: String(MAX_DAYS_AHEAD) },
  { mocks: [ddb, secrets, kms], now: NOW },
);

beforeEach(() => {
  answerGenerateMac(kms);
  answerEncryptionSecret(secrets);
});

const PARCEL = parcelShippedDetail();

const invoke = (input: unknown) => t.handler(input, t.context);

/** The item an UpdateItem writes: key plus every `#name = :value` it sets. */
function itemOf(input: UpdateItemCommandInput): Record<string, AttributeValue> {
  const fields = Object.entries(input.ExpressionAttributeNames ?? {}).map(([alias, name]) => [
    name,
    input.ExpressionAttributeValues?.[alias.replace('#', ':')] as AttributeValue,
  ]);
  return { ...input.Key, ...Object.fromEntries(fields) };
}

/** DynamoDB answering the create as it would: ALL_NEW is what was written. */
const acceptWrites = () =>
  ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => ({ Attributes: itemOf(input) }));

/** The UpdateItem calls on `table`, in order. */
const updatesOf = (table: string) =>
  ddb
    .commandCalls(UpdateItemCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.TableName === table);

function putItem() {
  const input = updatesOf(TABLE)[0];
  if (!input) throw new Error('no UpdateItem');
  return itemOf(input);
}

describe('issue-otp handler', () => {
  it('writes an item with codeHash and codeCiphertext, and no attribute that is a six-digit code', async () => {
    // Prepare
    acceptWrites();

    // Act
    const result = await invoke(PARCEL);

    // Assess
    const item = putItem();
    expect(item.codeHash?.S).toMatch(/^[0-9a-f]{64}$/);
    expect(item.codeCiphertext?.S).toEqual(expect.any(String));
    const values = Object.values(item).map((value) => value.S ?? value.N ?? '');
    expect(values.filter((value) => /^[0-9]{6}$/.test(value))).toEqual([]);
    // The stored ciphertext opens, with the encryption secret, to the code the stored hash was made from.
    const code = decryptOtpCode(ENCRYPTION_KEY, 'PCL-789', result.issueId, item.codeCiphertext?.S ?? '');
    expect(isWellFormedOtpCode(code)).toBe(true);
    expect(item.codeHash?.S).toBe(codeMac('PCL-789', code));
    expect(values).not.toContain(code);
  });

  it('writes the item only if the parcel has none, valid to the end of the Berlin delivery day', async () => {
    // Prepare
    acceptWrites();

    // Act
    const result = await invoke(PARCEL);

    // Assess
    const endOfDay = Date.parse('2026-12-01T23:00:00Z') / 1000;
    expect(fromItem(putItem())).toMatchObject({
      parcelId: 'PCL-789',
      status: 'ISSUED',
      expiresAt: endOfDay,
      ttl: endOfDay + RETENTION_DAYS * DAY,
      issuedAt: NOW.getTime() / 1000,
      issueCount: 1,
      wrongAttempts: 0,
    });
    expect(result).toEqual({
      parcelId: 'PCL-789',
      issueId: putItem().issueId?.S,
      created: true,
      validUntil: '2026-12-01T23:00:00.000Z',
    });
  });

  it('writes email, name and locale to the recipient table first, and none of them to the code table', async () => {
    // Prepare
    acceptWrites();

    // Act
    await invoke(PARCEL);

    // Assess
    const tables = ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.TableName);
    expect(tables).toEqual([RECIPIENT_TABLE, TABLE]);
    const recipient = updatesOf(RECIPIENT_TABLE)[0];
    expect(recipient?.ExpressionAttributeValues).toMatchObject({
      ':email': { S: 'erika.mustermann@mail.test' },
      ':name': { S: 'Erika Mustermann' },
      ':locale': { S: 'de-DE' },
      ':ttl': putItem().ttl,
    });
    const codeItem = JSON.stringify(putItem());
    for (const detail of ['erika.mustermann@mail.test', 'Erika Mustermann', 'de-DE']) {
      expect(codeItem).not.toContain(detail);
    }
  });

  it('returns the existing issue, created false, for a duplicate event', async () => {
    // Prepare
    const existing = otpRecord({ issueId: '11111111-2222-4333-8444-555555555555' });
    ddb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: toItem(existing) }),
      );

    // Act
    const result = await invoke(PARCEL);

    // Assess
    expect(result).toEqual({
      parcelId: 'PCL-789',
      issueId: '11111111-2222-4333-8444-555555555555',
      created: false,
      validUntil: '2026-12-01T23:00:00.000Z',
    });
  });

  it('reads only the encryption secret, and hashes through KMS GenerateMac on the hash key', async () => {
    // Prepare
    acceptWrites();

    // Act
    await invoke(PARCEL);
    await invoke(PARCEL);

    // Assess: the AES key is cached per container, so at most one read in this file; each code is one MAC.
    const ids = secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(ids.length).toBeLessThanOrEqual(1);
    expect(ids.every((id) => id === ENCRYPTION_SECRET_ARN)).toBe(true);
    const macs = kms.commandCalls(GenerateMacCommand);
    expect(macs).toHaveLength(2);
    for (const mac of macs)
      expect(mac.args[0].input).toMatchObject({ KeyId: HASH_KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
  });

  it('throws InvalidParcelEventError for a malformed input and writes nothing', async () => {
    // Act
    const run = invoke({ ...PARCEL, recipient: { ...PARCEL.recipient, locale: 'not a locale!!' } });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidParcelEventError', field: 'recipient.locale' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('throws DeliveryDateOutOfRangeError for a delivery day that is over and writes nothing', async () => {
    // Act
    const run = invoke({ ...PARCEL, expectedDeliveryDate: '2026-11-30' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'DeliveryDateOutOfRangeError' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('logs the issue without the code, its hash or the recipient email', async () => {
    // Prepare
    acceptWrites();

    // Act
    const result = await invoke(PARCEL);

    // Assess
    const item = putItem();
    const code = decryptOtpCode(ENCRYPTION_KEY, 'PCL-789', result.issueId, item.codeCiphertext?.S ?? '');
    // The function ARN holds a 12-digit account id; a random code could match a run of it by chance.
    const logs = t.output.text().replaceAll(t.context.invokedFunctionArn, '<arn>');
    expect(logs).toContain('Code issued');
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(item.codeHash?.S ?? '<no hash>');
    expect(logs).not.toContain(item.codeCiphertext?.S ?? '<no ciphertext>');
    expect(logs).not.toContain('erika.mustermann@mail.test');
  });
});

const inDays = (days: number) => new Date(NOW.getTime() + days * DAY * 1000).toISOString().slice(0, 10);

describe('issue-otp handler: configured days ahead and retention', () => {
  it('uses settings other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(MAX_DAYS_AHEAD).not.toBe(ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default);
    expect(RETENTION_DAYS).not.toBe(ENVIRONMENT.RECORD_RETENTION_DAYS.default);
  });

  it('issues no code for a delivery day further ahead than MAX_DELIVERY_DAYS_AHEAD, and writes nothing', async () => {
    // Act
    const run = invoke(parcelShippedDetail({ expectedDeliveryDate: inDays(MAX_DAYS_AHEAD + 1) }));

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'DeliveryDateOutOfRangeError' });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('keeps the record RECORD_RETENTION_DAYS after its code expires', async () => {
    // Prepare
    acceptWrites();

    // Act
    await invoke(parcelShippedDetail({ expectedDeliveryDate: inDays(MAX_DAYS_AHEAD) }));

    // Assess
    const item = putItem();
    expect(Number(item.ttl?.N) - Number(item.expiresAt?.N)).toBe(RETENTION_DAYS * DAY);
  });
});
