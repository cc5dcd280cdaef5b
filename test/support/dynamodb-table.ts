/**
 * The code and recipient tables on dynalite (DynamoDB in Node, as the sandbox runs it): keys and index as
 * `lib/` declares them, so conditional writes are judged by a DynamoDB engine, not by reading their text.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { fromItem, toItem } from '../../lambdas/adapters/dynamodb-code-item.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';
import { startDynamoDb } from '../../sandbox/emulators/dynamodb.ts';
import { SandboxLog } from '../../sandbox/emulators/log.ts';
import { TemplateResolver } from '../../sandbox/emulators/template.ts';
import { recipientRecord } from './fixtures.ts';

const ENV = { region: 'eu-central-1', accountId: '000000000000', stackName: 'StoreTest' };

/** The code and recipient tables on a free port; `stop` when done. */
export interface LocalOtpTable {
  readonly client: DynamoDBClient;
  /** Where dynalite listens (for AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  readonly tableName: string;
  readonly recipientTableName: string;
  /** Writes `record` as the item, unconditionally (a test's starting state). */
  put(record: OtpRecord): Promise<void>;
  /** Writes a parcel's code `record` and its recipient ({@link recipientRecord} with `recipient`). */
  putParcel(record: OtpRecord, recipient?: Partial<RecipientRecord>): Promise<void>;
  /** Writes `recipient` as the recipient table's item, unconditionally. */
  putRecipient(recipient: RecipientRecord): Promise<void>;
  /** The recipient table's item, or undefined. */
  recipient(parcelId: string): Promise<RecipientRecord | undefined>;
  /** The item as stored now (a placeholder too), or undefined. */
  item(parcelId: string): Promise<OtpRecord | undefined>;
  stop(): Promise<void>;
}

/** Starts dynalite with tables shaped like the stack's code and recipient tables. */
export async function startOtpTable(): Promise<LocalOtpTable> {
  const template = {
    Resources: {
      OtpTable: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: 'parcelId', AttributeType: 'S' },
            { AttributeName: 'delayedShard', AttributeType: 'S' },
            { AttributeName: 'delayedAt', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'DelayedEmails',
              KeySchema: [
                { AttributeName: 'delayedShard', KeyType: 'HASH' },
                { AttributeName: 'delayedAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        },
      },
      RecipientTable: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'parcelId', AttributeType: 'S' }],
        },
      },
    },
  };
  const resolver = new TemplateResolver(template as never, ENV);
  const dynamodb = await startDynamoDb(resolver, {
    port: 0,
    log: new SandboxLog(() => undefined),
    sweepIntervalMs: 3_600_000,
  });
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: ENV.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const tableName = resolver.ref('OtpTable');
  const recipientTableName = resolver.ref('RecipientTable');
  const read = async (table: string, parcelId: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: table, Key: { parcelId: { S: parcelId } }, ConsistentRead: true }),
      )
    ).Item;
  const local: LocalOtpTable = {
    client,
    endpoint: dynamodb.endpoint,
    tableName,
    recipientTableName,
    put: async (record) => {
      await client.send(new PutItemCommand({ TableName: tableName, Item: toItem(record) }));
    },
    putParcel: async (record, recipient = {}) => {
      await local.put(record);
      await local.putRecipient(recipientRecord({ parcelId: record.parcelId, ...recipient }));
    },
    putRecipient: async (recipient) => {
      await client.send(
        new PutItemCommand({
          TableName: recipientTableName,
          Item: Object.fromEntries(
            Object.entries(recipient).map(([name, value]) => [
              name,
              typeof value === 'number' ? { N: String(value) } : { S: String(value) },
            ]),
          ),
        }),
      );
    },
    recipient: async (parcelId) => {
      const item = await read(recipientTableName, parcelId);
      if (!item) return undefined;
      const fields = Object.entries(item).map(([name, value]) => [name, value.N ? Number(value.N) : value.S]);
      return Object.fromEntries(fields) as RecipientRecord;
    },
    item: async (parcelId) => {
      const item = await read(tableName, parcelId);
      return item ? fromItem(item) : undefined;
    },
    stop: async () => {
      client.destroy();
      await dynamodb.stop();
    },
  };
  return local;
}

/** Starts the tables before the file's tests and stops them after; the getter throws before they run. */
export function useOtpTables(): () => LocalOtpTable {
  let tables: LocalOtpTable | undefined;
  beforeAll(async () => {
    tables = await startOtpTable();
  });
  afterAll(async () => {
    await tables?.stop();
  });
  return () => {
    if (!tables) throw new Error('the tables start in beforeAll');
    return tables;
  };
}
