import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalDynamoDb, startDynamoDb } from '../../sandbox/emulators/dynamodb.ts';
import { LocalDynamoDbStreams, type StreamRecord } from '../../sandbox/emulators/dynamodb-streams.ts';
import { SandboxLog } from '../../sandbox/emulators/log.ts';
import {
  LocalPipes,
  type PipeCall,
  type PipeDelivery,
  renderInputTemplate,
} from '../../sandbox/emulators/pipes.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';

const env = { region: 'eu-central-1', accountId: '000000000000', stackName: 'StreamTest' };
const FILTER = {
  dynamodb: {
    NewImage: { status: { S: ['VERIFIED'] } },
    OldImage: { status: { S: [{ 'anything-but': ['VERIFIED'] }] } },
  },
};
const TEMPLATE =
  '{"parcelId": "<$.dynamodb.Keys.parcelId.S>", "driverId": "<$.dynamodb.NewImage.verifiedBy.S>", "verifiedAt": "<$.dynamodb.NewImage.verifiedAtIso.S>"}';

/** One table with a stream and TTL, one pipe from its stream to a bus: the shape the stack synthesizes. */
const template: Template = {
  Resources: {
    Codes: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'parcelId', AttributeType: 'S' }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Bus' } },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    PipeRole: { Type: 'AWS::IAM::Role', Properties: {} },
    Handover: {
      Type: 'AWS::Pipes::Pipe',
      Properties: {
        RoleArn: { 'Fn::GetAtt': ['PipeRole', 'Arn'] },
        Source: { 'Fn::GetAtt': ['Codes', 'StreamArn'] },
        SourceParameters: {
          DynamoDBStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: 1,
            MaximumRetryAttempts: 185,
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
          },
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify(FILTER) }] },
        },
        Target: { 'Fn::GetAtt': ['Bus', 'Arn'] },
        TargetParameters: {
          InputTemplate: TEMPLATE,
          EventBridgeEventBusParameters: {
            Source: 'secure-delivery',
            DetailType: 'Parcel Handover Verified',
          },
        },
      },
    },
  },
};

const resolver = new TemplateResolver(template, env);
const streamArn = resolver.getAtt('Codes', 'StreamArn');
let streams: LocalDynamoDbStreams;
let pipes: LocalPipes;
let dynamodb: LocalDynamoDb;
let ddb: DynamoDBClient;
/** What the pipe put on the bus; `failNext` makes the next calls fail as an unavailable bus would. */
const deliveries: PipeDelivery[] = [];
let failNext = 0;
/** The calls the pipe asked its authorizer about, and the actions it refuses (as a role without them). */
const calls: PipeCall[] = [];
const refused = new Set<string>();
const lines: string[] = [];

beforeAll(async () => {
  const log = new SandboxLog((line) => lines.push(line));
  streams = new LocalDynamoDbStreams(resolver, log);
  dynamodb = await startDynamoDb(resolver, { port: 0, log, sweepIntervalMs: 60_000, streams });
  pipes = new LocalPipes(
    resolver,
    streams,
    async (delivery) => {
      if (failNext > 0) {
        failNext--;
        throw new Error('bus unavailable');
      }
      deliveries.push(delivery);
      return { FailedEntryCount: 0 };
    },
    {
      log,
      retryDelayMs: 1,
      authorize: async (call) => {
        calls.push(call);
        return refused.has(call.action) ? `not authorized to perform: ${call.action}` : undefined;
      },
    },
  );
  ddb = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: env.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  ddb?.destroy();
  await dynamodb?.stop();
});

beforeEach(() => {
  deliveries.length = 0;
  failNext = 0;
  calls.length = 0;
  refused.clear();
  lines.length = 0;
});

const recordsFor = (parcelId: string): StreamRecord[] =>
  streams.records(streamArn).filter((record) => record.dynamodb.Keys.parcelId?.S === parcelId);

const issue = (parcelId: string, ttl = 4_000_000_000) =>
  ddb.send(
    new PutItemCommand({
      TableName: 'Codes',
      Item: {
        parcelId: { S: parcelId },
        status: { S: 'ISSUED' },
        wrongAttempts: { N: '0' },
        ttl: { N: String(ttl) },
      },
    }),
  );

/** One wrong attempt on the parcel's code: ADD wrongAttempts 1. */
const wrongAttempt = (parcelId: string) =>
  ddb.send(
    new UpdateItemCommand({
      TableName: 'Codes',
      Key: { parcelId: { S: parcelId } },
      UpdateExpression: 'ADD wrongAttempts :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }),
  );

const verifyWrite = (parcelId: string) =>
  ddb.send(
    new UpdateItemCommand({
      TableName: 'Codes',
      Key: { parcelId: { S: parcelId } },
      UpdateExpression: 'SET #s = :v, verifiedBy = :d, verifiedAtIso = :at',
      ConditionExpression: '#s = :issued',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':v': { S: 'VERIFIED' },
        ':issued': { S: 'ISSUED' },
        ':d': { S: 'D-1' },
        ':at': { S: '2026-12-01T13:00:00.123Z' },
      },
    }),
  );

describe('sandbox DynamoDB Streams', () => {
  it('records INSERT, MODIFY and REMOVE with keys, old and new images, in write order', async () => {
    // Act
    await issue('S-1');
    await wrongAttempt('S-1');
    await ddb.send(new DeleteItemCommand({ TableName: 'Codes', Key: { parcelId: { S: 'S-1' } } }));

    // Assess
    const records = recordsFor('S-1');
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records as [StreamRecord, StreamRecord, StreamRecord];
    expect(insert).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: env.region,
      eventSourceARN: streamArn,
      dynamodb: { Keys: { parcelId: { S: 'S-1' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(insert.dynamodb.OldImage).toBeUndefined();
    expect(insert.dynamodb.NewImage?.wrongAttempts).toEqual({ N: '0' });
    expect(modify.dynamodb.OldImage?.wrongAttempts).toEqual({ N: '0' });
    expect(modify.dynamodb.NewImage?.wrongAttempts).toEqual({ N: '1' });
    expect(remove.dynamodb.NewImage).toBeUndefined();
    expect(remove.dynamodb.OldImage?.wrongAttempts).toEqual({ N: '1' });
    expect(remove.userIdentity).toBeUndefined();
    const sequence = records.map((record) => BigInt(record.dynamodb.SequenceNumber));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(records.map((record) => record.eventID)).size).toBe(3);
  });

  it('records nothing for a failed condition or a write that changes nothing', async () => {
    // Prepare
    await issue('S-2');
    const before = recordsFor('S-2').length;

    // Act
    await expect(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'Codes',
          Key: { parcelId: { S: 'S-2' } },
          UpdateExpression: 'SET #s = :v',
          ConditionExpression: '#s = :other',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':v': { S: 'VERIFIED' }, ':other': { S: 'REVOKED' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'Codes',
        Key: { parcelId: { S: 'S-2' } },
        UpdateExpression: 'SET #s = :same',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':same': { S: 'ISSUED' } },
      }),
    );

    // Assess
    expect(recordsFor('S-2').length - before).toBe(0);
  });

  it('keeps one item’s records in the order its concurrent writes committed', async () => {
    // Prepare
    await issue('S-3');

    // Act: 20 concurrent increments of the same item.
    await Promise.all(Array.from({ length: 20 }, () => wrongAttempt('S-3')));

    // Assess: each record's old image is the previous record's new image.
    const modifies = recordsFor('S-3').filter((record) => record.eventName === 'MODIFY');
    expect(modifies).toHaveLength(20);
    modifies.forEach((record, index) => {
      expect(record.dynamodb.OldImage?.wrongAttempts).toEqual({ N: String(index) });
      expect(record.dynamodb.NewImage?.wrongAttempts).toEqual({ N: String(index + 1) });
    });
  });

  it('records a batch write per item and marks TTL deletions as the DynamoDB service', async () => {
    // Prepare
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          Codes: ['S-4', 'S-5'].map((parcelId) => ({
            PutRequest: { Item: { parcelId: { S: parcelId }, status: { S: 'ISSUED' }, ttl: { N: '1000' } } },
          })),
        },
      }),
    );

    // Act
    await dynamodb.sweepExpired(2000);

    // Assess
    for (const parcelId of ['S-4', 'S-5']) {
      const records = recordsFor(parcelId);
      expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'REMOVE']);
      expect(records[1]?.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    }
  });
});

describe('sandbox EventBridge Pipes', () => {
  it('puts exactly the template’s detail on the bus for the transition to VERIFIED, and nothing for other writes', async () => {
    // Act
    await issue('P-1');
    await wrongAttempt('P-1');
    await verifyWrite('P-1');
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'Codes',
        Key: { parcelId: { S: 'P-1' } },
        UpdateExpression: 'SET receiptStatus = :sent',
        ExpressionAttributeValues: { ':sent': { S: 'SENT' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: 'Codes', Key: { parcelId: { S: 'P-1' } } }));
    await pipes.settled();

    // Assess
    expect(recordsFor('P-1')).toHaveLength(5);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      pipeName: 'Handover',
      roleArn: resolver.getAtt('PipeRole', 'Arn'),
      targetArn: resolver.arn('Bus'),
    });
    const [entry] = deliveries[0]?.entries ?? [];
    expect(entry).toMatchObject({
      Source: 'secure-delivery',
      DetailType: 'Parcel Handover Verified',
      EventBusName: resolver.arn('Bus'),
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({
      parcelId: 'P-1',
      driverId: 'D-1',
      verifiedAt: '2026-12-01T13:00:00.123Z',
    });
  });

  it('retries a batch the bus did not take, then sends its coordinates to the dead-letter list and moves on', async () => {
    // Prepare
    await issue('P-2');
    await issue('P-3');
    failNext = 3;

    // Act
    await verifyWrite('P-2');
    await verifyWrite('P-3');
    await pipes.settled();

    // Assess
    const verifiedP2 = recordsFor('P-2').find((record) => record.dynamodb.NewImage?.status?.S === 'VERIFIED');
    expect(pipes.deadLetters).toHaveLength(1);
    expect(pipes.deadLetters[0]).toMatchObject({
      pipeName: 'Handover',
      dlqArn: resolver.getAtt('Dlq', 'Arn'),
      message: {
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
        DDBStreamBatchInfo: {
          streamArn,
          startSequenceNumber: verifiedP2?.dynamodb.SequenceNumber,
          batchSize: 1,
        },
      },
    });
    expect(deliveries.map((delivery) => JSON.parse(delivery.entries[0]?.Detail ?? '').parcelId)).toEqual([
      'P-3',
    ]);
  });
});

describe('sandbox EventBridge Pipes, as the pipe’s role', () => {
  it('asks for each stream read as the pipe’s role, and reads nothing when one is refused', async () => {
    // Prepare
    await issue('P-4');
    refused.add('dynamodb:GetRecords');
    const deadLettersBefore = pipes.deadLetters.length;

    // Act
    await verifyWrite('P-4');
    await pipes.settled();

    // Assess
    expect(calls).toEqual([
      {
        pipeName: 'Handover',
        roleArn: resolver.getAtt('PipeRole', 'Arn'),
        action: 'dynamodb:ListStreams',
        resource: '*',
      },
      ...['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'].map((action) => ({
        pipeName: 'Handover',
        roleArn: resolver.getAtt('PipeRole', 'Arn'),
        action,
        resource: streamArn,
      })),
    ]);
    expect(deliveries).toEqual([]);
    expect(pipes.deadLetters).toHaveLength(deadLettersBefore);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /pipe Handover cannot read seq \d+: AccessDeniedException: not authorized to perform: dynamodb:GetRecords -> not read/,
      ),
    );
  });

  it('drops, and logs, a batch it gave up on when the role may not send to the dead-letter queue', async () => {
    // Prepare
    await issue('P-5');
    refused.add('sqs:SendMessage');
    failNext = 3;
    const deadLettersBefore = pipes.deadLetters.length;

    // Act
    await verifyWrite('P-5');
    await pipes.settled();

    // Assess
    expect(calls.at(-1)).toMatchObject({
      action: 'sqs:SendMessage',
      resource: resolver.getAtt('Dlq', 'Arn'),
    });
    expect(pipes.deadLetters).toHaveLength(deadLettersBefore);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /pipe Handover could not deliver seq \d+: Error: bus unavailable -> dead-letter queue refused, dropped/,
      ),
    );
  });
});

describe('renderInputTemplate', () => {
  const event = { a: { s: 'x"y', n: 3, o: { k: [1, 2] } }, list: ['first', 'second'] };

  it('inserts a path inside quotes as escaped string content and outside quotes as JSON', () => {
    expect(JSON.parse(renderInputTemplate('{"s": "<$.a.s>", "o": <$.a.o>, "n": <$.a.n>}', event))).toEqual({
      s: 'x"y',
      o: { k: [1, 2] },
      n: 3,
    });
  });

  it('reads array indices, reserved variables, and yields empty or null for a missing path', () => {
    expect(
      JSON.parse(
        renderInputTemplate(
          '{"second": "<$.list[1]>", "pipe": "<aws.pipes.pipe-name>", "m": "<$.nope>", "j": <$.nope>}',
          event,
          {
            'aws.pipes.pipe-name': 'Handover',
          },
        ),
      ),
    ).toEqual({ second: 'second', pipe: 'Handover', m: '', j: null });
  });
});
