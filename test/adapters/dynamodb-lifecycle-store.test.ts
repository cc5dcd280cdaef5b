import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodeTable } from '../../lambdas/adapters/dynamodb-code-table.ts';
import {
  closureTtlSeconds,
  DynamoDbLifecycleStore,
} from '../../lambdas/adapters/dynamodb-lifecycle-store.ts';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';

const TABLE = 'otp-table';
const NOW = 1_796_119_200;
const DAY = 86_400;
const ddb = mockClient(DynamoDBClient);

/** The placeholder TTL the closing update of `store` writes for a parcel closed at NOW. */
async function closureTtlWrittenBy(store: DynamoDbLifecycleStore): Promise<number> {
  ddb.on(UpdateItemCommand).resolves({ Attributes: {} });
  await store.revoke('PCL-789', { nowSeconds: NOW, close: true });
  const values = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ExpressionAttributeValues;
  return Number(values?.[':placeholderTtl']?.N) - NOW;
}

describe('DynamoDbLifecycleStore closure lifetime', () => {
  beforeEach(() => ddb.reset());

  it('keeps a closure for the configured days ahead plus retention, so it outlives any replay of Parcel Shipped', async () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'eu-central-1' });
    const store = new DynamoDbLifecycleStore(new CodeTable(client, { tableName: TABLE }), {
      closureTtlSeconds: closureTtlSeconds(120, 45),
    });

    // Act
    const ttl = await closureTtlWrittenBy(store.withAbortSignal(new AbortController().signal));

    // Assess
    expect(ttl).toBe((120 + 45) * DAY);
  });

  it("keeps a closure for the contract's default days ahead plus retention when not told otherwise", async () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'eu-central-1' });
    const store = new DynamoDbLifecycleStore(new CodeTable(client, { tableName: TABLE }));

    // Act
    const ttl = await closureTtlWrittenBy(store);

    // Assess
    expect(ttl).toBe(
      (ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default + ENVIRONMENT.RECORD_RETENTION_DAYS.default) * DAY,
    );
  });
});
