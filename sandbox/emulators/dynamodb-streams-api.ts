import { AwsJsonError } from './aws-protocol.ts';
import type { LocalDynamoDbStreams } from './dynamodb-streams.ts';

type Body = Record<string, unknown>;

const validation = (detail: string) =>
  new AwsJsonError('ValidationException', `1 validation error detected: ${detail}`);

/** The one shard each sandbox stream has. */
const SHARD_ID = 'shardId-00000000000000000000-00000001';
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

/** A shard iterator: the stream and the index of the next record, opaque to the caller. */
const iteratorOf = (streamArn: string, next: number) =>
  Buffer.from(JSON.stringify({ streamArn, next })).toString('base64');

/**
 * The DynamoDB Streams API (`DynamoDBStreams_20120810.*`) over the streams the sandbox derives: one
 * shard per table, records from the first write on (a stream keeps 24 h; the sandbox keeps all).
 * `ListStreams`, `DescribeStream`, `GetShardIterator` and `GetRecords`, with the service's errors.
 */
export function dynamodbStreamsOperations(
  streams: LocalDynamoDbStreams,
): Record<string, (body: Body) => unknown> {
  const streamOf = (value: unknown) => {
    if (typeof value !== 'string' || value.length < 37 || value.length > 1024)
      throw validation(
        `Value '${String(value)}' at 'streamArn' failed to satisfy constraint: Member must have length between 37 and 1024`,
      );
    const stream = streams.tableStreams.find((candidate) => candidate.streamArn === value);
    if (!stream)
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `Requested resource not found: Stream: ${value} not found`,
      );
    return stream;
  };
  const label = (streamArn: string) => streamArn.split('/stream/')[1] ?? '';
  const sequenceRange = (streamArn: string) => {
    const records = streams.records(streamArn);
    return records.length > 0 ? { StartingSequenceNumber: records[0]?.dynamodb.SequenceNumber } : {};
  };
  return {
    'DynamoDBStreams_20120810.ListStreams': (body) => {
      const tables = streams.tableStreams.filter(
        (stream) => body.TableName === undefined || stream.tableName === body.TableName,
      );
      return {
        Streams: tables.map((stream) => ({
          StreamArn: stream.streamArn,
          TableName: stream.tableName,
          StreamLabel: label(stream.streamArn),
        })),
      };
    },
    'DynamoDBStreams_20120810.DescribeStream': (body) => {
      const stream = streamOf(body.StreamArn);
      return {
        StreamDescription: {
          StreamArn: stream.streamArn,
          StreamLabel: label(stream.streamArn),
          StreamStatus: 'ENABLED',
          StreamViewType: stream.viewType,
          TableName: stream.tableName,
          KeySchema: stream.keyNames.map((name, index) => ({
            AttributeName: name,
            KeyType: index === 0 ? 'HASH' : 'RANGE',
          })),
          Shards: [{ ShardId: SHARD_ID, SequenceNumberRange: sequenceRange(stream.streamArn) }],
        },
      };
    },
    'DynamoDBStreams_20120810.GetShardIterator': (body) => {
      const stream = streamOf(body.StreamArn);
      if (body.ShardId !== SHARD_ID)
        throw new AwsJsonError(
          'ResourceNotFoundException',
          `Requested resource not found: Shard: ${String(body.ShardId)} in Stream: ${stream.streamArn} not found`,
        );
      const type = String(body.ShardIteratorType);
      if (!ITERATOR_TYPES.includes(type))
        throw validation(
          `Value '${type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [${ITERATOR_TYPES.join(', ')}]`,
        );
      const records = streams.records(stream.streamArn);
      let next = type === 'LATEST' ? records.length : 0;
      if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
        const at = records.findIndex((record) => record.dynamodb.SequenceNumber === body.SequenceNumber);
        if (at < 0)
          throw new AwsJsonError('TrimmedDataAccessException', 'The sequence number is not in the stream');
        next = type === 'AT_SEQUENCE_NUMBER' ? at : at + 1;
      }
      return { ShardIterator: iteratorOf(stream.streamArn, next) };
    },
    'DynamoDBStreams_20120810.GetRecords': (body) => {
      let position: { streamArn?: unknown; next?: unknown } = {};
      try {
        position = JSON.parse(Buffer.from(String(body.ShardIterator ?? ''), 'base64').toString('utf8'));
      } catch {
        // answered below as an invalid iterator
      }
      if (typeof position.streamArn !== 'string' || typeof position.next !== 'number')
        throw validation(
          "Value at 'shardIterator' failed to satisfy constraint: Member must be a valid shard iterator",
        );
      const stream = streamOf(position.streamArn);
      const limit = body.Limit === undefined ? 1000 : Number(body.Limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw validation(
          `Value '${String(body.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`,
        );
      const records = streams.records(stream.streamArn).slice(position.next, position.next + limit);
      return {
        Records: records.map(({ eventSourceARN: _arn, ...record }) => record),
        NextShardIterator: iteratorOf(stream.streamArn, position.next + records.length),
      };
    },
  };
}
