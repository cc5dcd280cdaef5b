import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../lambdas/adapters/dynamodb-code-item.ts';
import { DynamoDbRecipientStore } from '../../lambdas/adapters/dynamodb-recipient-store.ts';
import { StoreThrottledError } from '../../lambdas/domain/errors.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';

const TABLE = 'recipient-table';
const ddb = mockClient(DynamoDBClient);
const store = new DynamoDbRecipientStore(new DynamoDBClient({ region: 'eu-central-1' }), TABLE);
const NOW = 1_796_119_200;
const RECIPIENT: RecipientRecord = {
  parcelId: 'PCL-789',
  email: 'erika@example.com',
  name: 'Erika Mustermann',
  locale: 'en-GB',
  ttl: 1_798_758_000,
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDbRecipientStore', () => {
  it('saves with one UpdateItem (which recipient wins: recipient-store-contract.test.ts, on dynalite)', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await store.save(RECIPIENT, NOW);

    // Assess
    const calls = ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
      ExpressionAttributeValues: {
        ':email': { S: 'erika@example.com' },
        ':name': { S: 'Erika Mustermann' },
        ':locale': { S: 'en-GB' },
        ':ttl': { N: '1798758000' },
        ':now': { N: String(NOW) },
      },
    });
    expect(calls[0]?.ReturnValuesOnConditionCheckFailure).toBeUndefined();
  });

  it('sends only the ttl, no recipient detail, when one is already stored', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    await store.save(RECIPIENT, NOW);

    // Assess
    const second = ddb.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(second?.ExpressionAttributeValues).toEqual({ ':ttl': { N: '1798758000' } });
    expect(JSON.stringify(second)).not.toContain('erika@example.com');
  });

  it('treats a ttl that is already late enough as done', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed());

    // Act
    const extended = store.extendTtl('PCL-789', 1);

    // Assess
    await expect(extended).resolves.toBeUndefined();
  });

  it('reads with a strongly consistent GetItem and maps the item', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({
      Item: {
        parcelId: { S: 'PCL-789' },
        email: { S: 'erika@example.com' },
        name: { S: 'Erika Mustermann' },
        locale: { S: 'en-GB' },
        ttl: { N: '1798758000' },
      },
    });

    // Act
    const found = await store.get('PCL-789');

    // Assess
    expect(found).toEqual(RECIPIENT);
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
      ConsistentRead: true,
    });
  });

  it('reads only the attributes it was given, as a projection, when it has a list', async () => {
    // Prepare
    const narrow = new DynamoDbRecipientStore(new DynamoDBClient({ region: 'eu-central-1' }), TABLE, [
      'parcelId',
      'email',
    ]);
    ddb.on(GetItemCommand).resolves({ Item: { parcelId: { S: 'PCL-789' }, email: { S: RECIPIENT.email } } });

    // Act
    const read = await narrow.get('PCL-789');

    // Assess
    expect(read).toMatchObject({ parcelId: 'PCL-789', email: RECIPIENT.email });
    expect(read).not.toHaveProperty('phone');
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
      ProjectionExpression: '#r0, #r1',
      ExpressionAttributeNames: { '#r0': 'parcelId', '#r1': 'email' },
    });
  });

  it('returns undefined for a parcel without a recipient', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({});

    // Act / Assess
    await expect(store.get('PCL-unknown')).resolves.toBeUndefined();
  });

  it('deletes the item by key', async () => {
    // Prepare
    ddb.on(DeleteItemCommand).resolves({});

    // Act
    await store.delete('PCL-789');

    // Assess
    expect(ddb.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { parcelId: { S: 'PCL-789' } },
    });
  });

  it('maps throttling to StoreThrottledError', async () => {
    // Prepare
    ddb
      .on(GetItemCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));

    // Act / Assess
    await expect(store.get('PCL-789')).rejects.toBeInstanceOf(StoreThrottledError);
  });
});

describe('the code record item', () => {
  it('has no attribute for the recipient’s email, name or locale', () => {
    // Prepare: a record carrying extra fields, as an old caller might pass.
    const record = {
      parcelId: 'PCL-789',
      issueId: 'i',
      recipientEmail: 'erika@example.com',
      recipientName: 'Erika Mustermann',
      locale: 'en-GB',
    } as unknown as OtpRecord;

    // Act
    const item = toItem(record);

    // Assess
    expect(Object.keys(item).sort()).toEqual(['issueId', 'parcelId']);
  });
});
