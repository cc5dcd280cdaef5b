import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { type LocalDynamoDbStreams, TTL_SWEEP_CREDENTIALS } from './dynamodb-streams.ts';
import { serveTableSettings } from './dynamodb-table-settings.ts';
import type { SandboxLog } from './log.ts';
import { listen } from './net.ts';
import type { TemplateResolver } from './template.ts';

const require = createRequire(import.meta.url);

/**
 * dynalite predates `ReturnValuesOnConditionCheckFailure`: it strips the parameter and returns no item.
 * Real DynamoDB returns the item as it was; the verify path relies on that, so teach dynalite the same.
 */
function patchDynalite(): void {
  const db = require('dynalite/db/index.js') as {
    checkConditional: (
      data: Record<string, unknown>,
      existing: unknown,
    ) => (Error & { body?: object }) | null;
    __returnValuesPatched?: boolean;
  };
  if (db.__returnValuesPatched) return;
  const original = db.checkConditional;
  db.checkConditional = (data, existing) => {
    const error = original(data, existing);
    if (error?.body && data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing) {
      error.body = { ...error.body, Item: existing };
    }
    return error;
  };
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    const validation = require(`dynalite/validations/${action}.js`) as { types: Record<string, unknown> };
    validation.types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  db.__returnValuesPatched = true;
}

/**
 * dynalite names its tables' ARNs after AWS_REGION and AWS_ACCOUNT_ID as they are when it starts
 * (us-east-1 otherwise): start it with the sandbox's region and account.
 */
function dynaliteInRegion(resolver: TemplateResolver, options: Record<string, unknown>): Server {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_ACCOUNT_ID: process.env.AWS_ACCOUNT_ID };
  Object.assign(process.env, { AWS_REGION: resolver.env.region, AWS_ACCOUNT_ID: resolver.env.accountId });
  try {
    return dynalite(options);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * The DynamoDB operations the sandbox answers: dynalite's (one validation module each) and those
 * `dynamodb-table-settings.ts` adds.
 */
export function dynamodbOperations(): string[] {
  const folder = dirname(require.resolve('dynalite/validations/index.js'));
  const dynalite = readdirSync(folder)
    .filter((name) => name.endsWith('.js') && name !== 'index.js')
    .map((name) => name.charAt(0).toUpperCase() + name.slice(1, -3));
  return [...new Set([...dynalite, 'UpdateTimeToLive', 'DescribeContinuousBackups'])].sort();
}

/** A running DynamoDB emulator with the template's tables and a TTL sweeper. */
export interface LocalDynamoDb {
  readonly endpoint: string;
  stop(): Promise<void>;
  /** Deletes items whose TTL attribute has passed (what DynamoDB does lazily, within ~48 h). */
  sweepExpired(nowSeconds?: number): Promise<number>;
}

/** Where and how {@link startDynamoDb} runs DynamoDB. */
export interface DynamoDbOptions {
  /** Port of the endpoint (the streams' front when there are streams); 0 picks a free one. */
  readonly port: number;
  readonly log: SandboxLog;
  /**
   * How often the TTL sweep runs, in ms.
   * @default 5000
   */
  readonly sweepIntervalMs?: number;
  /** The streams of the template's tables: their front takes `port`, so every write becomes a record. */
  readonly streams?: LocalDynamoDbStreams;
}

/**
 * Starts dynalite on `port`, creates each `AWS::DynamoDB::Table` of the template, and sweeps TTL. With
 * `streams`, their front takes `port` (dynalite moves to a free one) so every write, the sweep's too,
 * becomes a stream record.
 */
export async function startDynamoDb(
  resolver: TemplateResolver,
  options: DynamoDbOptions,
): Promise<LocalDynamoDb> {
  const { port, log, streams } = options;
  const sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  patchDynalite();
  const server = dynaliteInRegion(resolver, { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const actualPort = await listen(server, streams ? 0 : port, 'DynamoDB');
  const backend = `http://127.0.0.1:${actualPort}`;
  const front = streams ? await streams.startFront(backend, port, listen) : undefined;
  const endpoint = front?.endpoint ?? backend;
  // dynalite checks no signature; any credentials will do, but the SDK insists on some.
  const client = new DynamoDBClient({
    endpoint: backend,
    region: resolver.env.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  // The sweep deletes through the streams' front, as the TTL service, so its deletions are stream records.
  const sweeper = front
    ? new DynamoDBClient({ endpoint, region: resolver.env.region, credentials: TTL_SWEEP_CREDENTIALS })
    : client;
  const ttlAttributes = new Map<string, string>();
  serveTableSettings(server, resolver, { client, ttlAttributes });

  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
    const properties = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown> & {
      TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
    };
    const tableName = resolver.ref(logicalId);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: properties.KeySchema,
        AttributeDefinitions: properties.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(properties.GlobalSecondaryIndexes
          ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes }
          : {}),
      } as CreateTableCommandInput),
    );
    if (properties.TimeToLiveSpecification?.Enabled) {
      ttlAttributes.set(tableName, properties.TimeToLiveSpecification.AttributeName);
    }
    log.line(
      'ddb',
      `table ${tableName} created${ttlAttributes.has(tableName) ? ' (TTL emulated by sweep)' : ''}`,
    );
  }

  const sweepExpired = async (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    let deleted = 0;
    for (const [tableName, attribute] of ttlAttributes) {
      const keyNames = (
        resolver.resolve(
          resolver.resource(resolver.logicalIdOf(tableName) as string).Properties?.KeySchema,
        ) as { AttributeName: string }[]
      ).map((key) => key.AttributeName);
      let startKey: Record<string, never> | undefined;
      do {
        const page = await sweeper.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: '#ttl < :now',
            ExpressionAttributeNames: { '#ttl': attribute },
            ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
          await sweeper
            .send(
              new DeleteItemCommand({
                TableName: tableName,
                Key: key as never,
                // Only if it is still expired: a concurrent write may have extended it.
                ConditionExpression: '#ttl < :now',
                ExpressionAttributeNames: { '#ttl': attribute },
                ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
              }),
            )
            .then(() => deleted++)
            .catch(() => undefined);
        }
        startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (startKey);
    }
    if (deleted > 0) log.line('ddb', `TTL sweep deleted ${deleted} expired item(s)`);
    return deleted;
  };

  const timer = setInterval(() => void sweepExpired().catch(() => undefined), sweepIntervalMs);
  timer.unref();
  return {
    endpoint,
    sweepExpired,
    stop: async () => {
      clearInterval(timer);
      client.destroy();
      if (sweeper !== client) sweeper.destroy();
      await front?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
