import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fromItem, toItem } from '../../lambdas/adapters/dynamodb-code-item.ts';
import { DynamoDbCodeStore } from '../../lambdas/adapters/dynamodb-code-store.ts';
import { CodeTable } from '../../lambdas/adapters/dynamodb-code-table.ts';
import { DynamoDbDeliveryClaims } from '../../lambdas/adapters/dynamodb-delivery-claims.ts';
import { StoreThrottledError } from '../../lambdas/domain/errors.ts';
import type { OtpRecord, VerifyAttempt } from '../../lambdas/domain/otp-record.ts';
import { otpRecord } from '../support/fixtures.ts';

const TABLE = 'otp-table';
const ddb = mockClient(DynamoDBClient);
const table = new CodeTable(new DynamoDBClient({ region: 'eu-central-1' }), { tableName: TABLE });
const store = new DynamoDbCodeStore(table);
const claims = new DynamoDbDeliveryClaims(table);

const HASH = 'a'.repeat(64);

function record(overrides: Partial<OtpRecord> = {}): OtpRecord {
  return otpRecord({ codeHash: HASH, codeCiphertext: 'c2VhbGVk', issuedAt: 1_796_119_200, ...overrides });
}

const ATTEMPT: VerifyAttempt = {
  parcelId: 'PCL-789',
  driverId: 'driver-1',
  codeHash: 'b'.repeat(64),
  nowSeconds: 1_796_130_000,
  nowIso: '2026-12-01T13:00:00.000Z',
  maxWrongAttempts: 5,
};

function conditionFailed(item?: OtpRecord): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: toItem(item) } : {}),
  });
}

function throttled(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => {
  ddb.reset();
});

describe('toItem / fromItem', () => {
  it('round-trips a record with every optional field', () => {
    // Prepare
    const full = record({
      emailStatus: 'SENT',
      emailClaimedAt: 1_796_119_300,
      status: 'VERIFIED',
      verifiedAt: 1_796_130_000,
      verifiedBy: 'driver-1',
      wrongAttempts: 2,
      totalWrongAttempts: 7,
    });

    // Act
    const roundTripped = fromItem(toItem(full));

    // Assess
    expect(roundTripped).toEqual(full);
  });

  it('round-trips a record without optional fields and writes no attribute for them', () => {
    // Prepare
    const { driverId: _driver, ...minimal } = record();

    // Act
    const item = toItem(minimal);

    // Assess
    expect(fromItem(item)).toEqual(minimal);
    expect(Object.keys(item)).not.toContain('driverId');
    expect(Object.keys(item)).not.toContain('emailStatus');
    expect(Object.keys(item)).not.toContain('verifiedAt');
  });

  it('writes strings as S and numbers as N', () => {
    // Act
    const item = toItem(record({ wrongAttempts: 3 }));

    // Assess
    expect(item.parcelId).toEqual({ S: 'PCL-789' });
    expect(item.codeHash).toEqual({ S: HASH });
    expect(item.wrongAttempts).toEqual({ N: '3' });
    expect(item.expiresAt).toEqual({ N: '1796166000' });
  });
});

describe('DynamoDbCodeStore.createIfAbsent', () => {
  it('writes every field only if the parcel has no code and is not closed, asking for the old item on failure', async () => {
    // Prepare
    const fresh = record();
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(fresh) });

    // Act
    const result = await store.createIfAbsent(fresh);

    // Assess
    expect(result).toEqual({ created: true, record: fresh });
    const calls = ddb.commandCalls(UpdateItemCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: fresh.parcelId } },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const written = Object.fromEntries(
      Object.entries(input?.ExpressionAttributeNames ?? {}).map(([alias, name]) => [
        name,
        input?.ExpressionAttributeValues?.[alias.replace('#', ':')],
      ]),
    );
    const { parcelId: _key, ...fields } = toItem(fresh);
    expect(written).toEqual(fields);
  });

  it('keeps a driver bound before the code existed: the update leaves driverId and boundAt alone', async () => {
    // Prepare
    const fresh = record({ driverId: undefined });
    ddb
      .on(UpdateItemCommand)
      .resolves({ Attributes: toItem({ ...fresh, driverId: 'early-driver', boundAt: 1_700 }) });

    // Act
    const result = await store.createIfAbsent(fresh);

    // Assess
    expect(result.record).toMatchObject({ driverId: 'early-driver', boundAt: 1_700 });
    const names = Object.values(
      ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ExpressionAttributeNames ?? {},
    );
    expect(names).not.toContain('driverId');
    expect(names).not.toContain('boundAt');
  });

  it('refuses with ParcelClosedError when the parcel was closed before its code existed', async () => {
    // Prepare: a placeholder holds only the closure.
    ddb.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'closed',
        $metadata: {},
        Item: { parcelId: { S: 'PCL-789' }, status: { S: 'REVOKED' }, closedAt: { N: '1700' } },
      }),
    );

    // Act
    const create = store.createIfAbsent(record());

    // Assess
    await expect(create).rejects.toMatchObject({ name: 'ParcelClosedError' });
  });

  it('returns created false and the existing record when the parcel already has one', async () => {
    // Prepare
    const existing = record({ issueId: '11111111-2222-4333-8444-555555555555', codeHash: 'e'.repeat(64) });
    ddb.on(UpdateItemCommand).rejects(conditionFailed(existing));

    // Act
    const result = await store.createIfAbsent(record());

    // Assess
    expect(result).toEqual({ created: false, record: existing });
  });

  it('turns ProvisionedThroughputExceededException into StoreThrottledError', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(throttled());

    // Act
    const create = store.createIfAbsent(record());

    // Assess
    await expect(create).rejects.toBeInstanceOf(StoreThrottledError);
  });

  it("keeps DynamoDB's error, and so its request id, as the StoreThrottledError's cause", async () => {
    // Prepare
    const refusal = new ProvisionedThroughputExceededException({
      message: 'Rate of requests exceeds the allowed throughput',
      $metadata: { httpStatusCode: 400, requestId: 'DDB-REQUEST-1' },
    });
    ddb.on(UpdateItemCommand).rejects(refusal);

    // Act
    const create = store.createIfAbsent(record());

    // Assess
    await expect(create).rejects.toMatchObject({
      name: 'StoreThrottledError',
      cause: { $metadata: { requestId: 'DDB-REQUEST-1' } },
    });
  });
});

describe('DynamoDbCodeStore.get', () => {
  it('reads consistently by parcel id and unmarshals the item', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: toItem(record()) });

    // Act
    const found = await store.get('PCL-789');

    // Assess
    expect(found).toEqual(record());
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
      ConsistentRead: true,
    });
  });

  it('returns undefined when there is no item', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({});

    // Act
    const found = await store.get('PCL-unknown');

    // Assess
    expect(found).toBeUndefined();
  });

  it('turns ThrottlingException into StoreThrottledError', async () => {
    // Prepare
    ddb.on(GetItemCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    // Act
    const get = store.get('PCL-789');

    // Assess
    await expect(get).rejects.toMatchObject({ name: 'StoreThrottledError' });
  });

  it('passes other errors through unchanged', async () => {
    // Prepare
    const failure = Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
    ddb.on(GetItemCommand).rejects(failure);

    // Act
    const get = store.get('PCL-789');

    // Assess
    await expect(get).rejects.toBe(failure);
  });
});

describe('DynamoDbCodeStore.verify', () => {
  it('verifies in ONE UpdateItem that asks for nothing back, not even the item its condition refused', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    const verified = await store.verify(ATTEMPT);

    // Assess: which attempts the condition lets through is otp-store-contract.test.ts's (on dynalite).
    expect(verified).toBe(true);
    expect(ddb.calls()).toHaveLength(1);
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
      ReturnValues: 'NONE',
    });
    expect(input).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
  });

  it('answers false when the condition fails, whatever DynamoDB would have told', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed(record({ wrongAttempts: 2 })));

    // Act
    const verified = await store.verify(ATTEMPT);

    // Assess
    expect(verified).toBe(false);
  });

  it("turns 'ProvisionedThroughputExceededException' into StoreThrottledError", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(throttled());

    // Act
    const verify = store.verify(ATTEMPT);

    // Assess
    await expect(verify).rejects.toBeInstanceOf(StoreThrottledError);
    await expect(verify).rejects.toMatchObject({ name: 'StoreThrottledError' });
  });
});

describe('DynamoDbCodeStore.verifyState', () => {
  it('reads consistently a projection without any hash, and answers what verify may know', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({
      Item: {
        parcelId: { S: 'PCL-789' },
        issueId: { S: 'issue-1' },
        status: { S: 'ISSUED' },
        expiresAt: { N: '1796166000' },
        wrongAttempts: { N: '2' },
        totalWrongAttempts: { N: '3' },
        driverId: { S: 'driver-1' },
      },
    });

    // Act
    const state = await store.verifyState('PCL-789');

    // Assess
    expect(state).toEqual({
      hasCode: true,
      status: 'ISSUED',
      expiresAt: 1_796_166_000,
      wrongAttempts: 2,
      totalWrongAttempts: 3,
      driverId: 'driver-1',
    });
    const input = ddb.commandCalls(GetItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ ConsistentRead: true, Key: { parcelId: { S: 'PCL-789' } } });
    const projected = Object.values(input?.ExpressionAttributeNames ?? {});
    expect(input?.ProjectionExpression?.split(', ')).toHaveLength(projected.length);
    expect(projected).not.toContain('codeHash');
    expect(projected).not.toContain('previousCodeHash');
  });
});

describe('DynamoDbCodeStore.recordWrongAttempt', () => {
  it('answers the counters through verify’s projection, its write answering nothing (ReturnValues NONE)', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});
    ddb.on(GetItemCommand).resolves({
      Item: { parcelId: { S: 'PCL-789' }, wrongAttempts: { N: '1' }, totalWrongAttempts: { N: '4' } },
    });

    // Act
    const counted = await store.recordWrongAttempt(ATTEMPT);

    // Assess: what the condition lets through is otp-store-contract.test.ts's (on dynalite).
    expect(counted).toEqual({ wrongAttempts: 1, totalWrongAttempts: 4 });
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ReturnValues).toBe('NONE');
    const read = Object.values(
      ddb.commandCalls(GetItemCommand)[0]?.args[0].input.ExpressionAttributeNames ?? {},
    );
    expect(read).not.toContain('codeHash');
    expect(input).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
  });

  it('answers undefined when the condition fails', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed(record({ wrongAttempts: 5 })));

    // Act
    const counted = await store.recordWrongAttempt(ATTEMPT);

    // Assess
    expect(counted).toBeUndefined();
  });
});

describe('DynamoDbDeliveryClaims email claim', () => {
  it('answers CLAIMED when the conditional claim was written', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: toItem(record({ emailStatus: 'SENDING' })) });

    // Act
    const claim = await claims.claimEmail('PCL-789', 'issue-1', 1_000, 120);

    // Assess
    expect(claim).toBe('CLAIMED');
  });

  it('answers ALREADY_SENT when the email was sent', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed(record({ emailStatus: 'SENT' })));

    // Act
    const claim = await claims.claimEmail('PCL-789', 'issue-1', 1_000, 120);

    // Assess
    expect(claim).toBe('ALREADY_SENT');
  });

  it('answers IN_FLIGHT when another sender holds a fresh claim', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejects(conditionFailed(record({ issueId: 'issue-1', emailStatus: 'SENDING', emailClaimedAt: 990 })));

    // Act
    const claim = await claims.claimEmail('PCL-789', 'issue-1', 1_000, 120);

    // Assess
    expect(claim).toBe('IN_FLIGHT');
  });

  it('answers CODE_CLOSED when the code was revoked or replaced meanwhile, so it is never emailed', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(record({ issueId: 'issue-1', status: 'REVOKED' })))
      .rejectsOnce(conditionFailed(record({ issueId: 'issue-2' })));

    // Act
    const revoked = await claims.claimEmail('PCL-789', 'issue-1', 1_000, 120);
    const replaced = await claims.claimEmail('PCL-789', 'issue-1', 1_000, 120);

    // Assess
    expect([revoked, replaced]).toEqual(['CODE_CLOSED', 'CODE_CLOSED']);
  });

  it('leaves the email state of a newer issue alone without failing', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed(record({ issueId: 'issue-2' })));

    // Act
    const release = claims.releaseEmailClaim('PCL-789', 'issue-1');

    // Assess
    await expect(release).resolves.toBeUndefined();
  });
});

describe('DynamoDbCodeStore.assignDriver', () => {
  it('answers BOUND when the binding was written to a code, asking for nothing back', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    const bound = await store.assignDriver('PCL-789', 'driver-9', 1_790_000_000, 1_791_000_000);

    // Assess: which events may bind is otp-store-contract.test.ts's (on dynalite).
    expect(bound).toBe('BOUND');
    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ReturnValues).toBe('NONE');
    expect(input).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
  });

  it('answers why a binding was refused from the stamps it may read, after trying the code again: closed, handed over, revoked, or stale', async () => {
    // Prepare: every write refused; the projected read tells why
    const stamped = (stamp?: string) => ({
      Item: { parcelId: { S: 'PCL-789' }, ...(stamp ? { [stamp]: { N: '1790000000' } } : {}) },
    });
    ddb.on(UpdateItemCommand).rejects(conditionFailed());
    ddb
      .on(GetItemCommand)
      .resolvesOnce(stamped('closedAt'))
      .resolvesOnce(stamped('verifiedAt'))
      .resolvesOnce(stamped('revokedAt'))
      .resolvesOnce(stamped());

    // Act
    const outcomes: string[] = [];
    for (let call = 0; call < 4; call++)
      outcomes.push(await store.assignDriver('PCL-789', 'driver-9', 1_790_000_000, 1_791_000_000));

    // Assess: three writes each (code, placeholder, code again), then one read of the stamps only
    expect(outcomes).toEqual(['CLOSED', 'VERIFIED', 'REVOKED', 'STALE']);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(12);
    const read = ddb.commandCalls(GetItemCommand)[0]?.args[0].input;
    expect(Object.values(read?.ExpressionAttributeNames ?? {}).sort()).toEqual([
      'closedAt',
      'parcelId',
      'revokedAt',
      'verifiedAt',
    ]);
  });

  it('answers WAITING_FOR_CODE when the binding went into a placeholder', async () => {
    // Prepare: no code yet, so the first write is refused and the placeholder's is not.
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const bound = await store.assignDriver('PCL-789', 'driver-9', 1_790_000_000, 1_791_000_000);

    // Assess
    expect(bound).toBe('WAITING_FOR_CODE');
  });

  it('answers BOUND when the code was issued between its two tries', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const bound = await store.assignDriver('PCL-789', 'driver-9', 1_790_000_000, 1_791_000_000);

    // Assess
    expect(bound).toBe('BOUND');
  });
});
