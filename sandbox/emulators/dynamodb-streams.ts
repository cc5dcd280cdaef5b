import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { readBody } from './aws-protocol.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

type Item = Record<string, AttributeValue>;

/** A stream record as DynamoDB Streams (and so Pipes and Lambda) deliver it. */
export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Item;
    readonly NewImage?: Item;
    readonly OldImage?: Item;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: StreamViewType;
  };
  readonly eventSourceARN: string;
  /** Present only on deletions by TTL, as DynamoDB marks them. */
  readonly userIdentity?: { readonly type: 'Service'; readonly principalId: 'dynamodb.amazonaws.com' };
}

type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

interface TableStream {
  readonly tableName: string;
  readonly streamArn: string;
  readonly viewType: StreamViewType;
  readonly keyNames: readonly string[];
  readonly records: StreamRecord[];
  readonly listeners: ((record: StreamRecord) => void)[];
}

/** Credentials the TTL sweep signs with: its deletions are the service's, not a caller's. */
export const TTL_SWEEP_CREDENTIALS = { accessKeyId: 'dynamodb-ttl-sweeper', secretAccessKey: 'sandbox' };

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/**
 * DynamoDB Streams for the template's tables with a `StreamSpecification`. dynalite has no streams, so
 * a front in its place derives each record: it serialises writes per item, reads the item before and
 * after the write, and records INSERT / MODIFY / REMOVE (nothing when the write changed nothing), with
 * the images the stream's view type carries. Every writer goes through the front (handlers via the fault
 * proxy, tests via the endpoint, the TTL sweep with {@link TTL_SWEEP_CREDENTIALS}).
 */
export class LocalDynamoDbStreams {
  private readonly streams = new Map<string, TableStream>();
  private readonly itemLocks = new Map<string, Promise<void>>();
  private sequence = 100_000_000_000_000_000_000n;

  constructor(
    private readonly resolver: TemplateResolver,
    private readonly log: SandboxLog,
  ) {
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        StreamSpecification?: { StreamViewType?: StreamViewType };
        KeySchema?: { AttributeName: string }[];
      };
      const viewType = properties.StreamSpecification?.StreamViewType;
      if (!viewType) continue;
      const tableName = resolver.ref(logicalId);
      this.streams.set(tableName, {
        tableName,
        streamArn: resolver.getAtt(logicalId, 'StreamArn'),
        viewType,
        keyNames: (properties.KeySchema ?? []).map((key) => key.AttributeName),
        records: [],
        listeners: [],
      });
    }
  }

  /** Every record of the stream so far, in order (a stream keeps 24 h; the sandbox keeps all). */
  records(streamArn: string): readonly StreamRecord[] {
    return this.byArn(streamArn).records;
  }

  /** Calls `listener` with every record written from now on, in order. */
  subscribe(streamArn: string, listener: (record: StreamRecord) => void): void {
    this.byArn(streamArn).listeners.push(listener);
  }

  /** The stream ARNs, one per table with a stream. */
  get streamArns(): string[] {
    return [...this.streams.values()].map((stream) => stream.streamArn);
  }

  /** Each table's stream: its table, ARN, view type and key attribute names. */
  get tableStreams(): readonly Pick<TableStream, 'tableName' | 'streamArn' | 'viewType' | 'keyNames'>[] {
    return [...this.streams.values()];
  }

  /**
   * Starts the front on `port`, forwarding to dynalite at `backend`. Reads pass straight through;
   * writes to a table with a stream are bracketed by consistent reads of the item.
   */
  async startFront(
    backend: string,
    port: number,
    listen: (server: Server, port: number, name: string) => Promise<number>,
  ): Promise<{ endpoint: string; stop(): Promise<void> }> {
    const reader = new DynamoDBClient({
      endpoint: backend,
      region: this.resolver.env.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const server = createServer((request, response) => {
      void (async () => {
        const body = await readBody(request);
        const answer = await this.handle(request, body, backend, reader);
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      })().catch(() => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
    });
    const actualPort = await listen(server, port, 'DynamoDB');
    return {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo | null)?.port ?? actualPort}`,
      stop: async () => {
        reader.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  private byArn(streamArn: string): TableStream {
    const stream = [...this.streams.values()].find((candidate) => candidate.streamArn === streamArn);
    if (!stream) throw new Error(`No stream ${streamArn}`);
    return stream;
  }

  private async handle(
    request: IncomingMessage,
    body: Buffer,
    backend: string,
    reader: DynamoDBClient,
  ): Promise<Answer> {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (!WRITES.has(operation)) return forward(request, body, backend);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return forward(request, body, backend);
    }
    const targets = this.writeTargets(operation, input);
    if (targets.length === 0) return forward(request, body, backend);
    const byTtl = String(request.headers.authorization ?? '').includes(
      `Credential=${TTL_SWEEP_CREDENTIALS.accessKeyId}/`,
    );
    // Sorted lock order: a batch never deadlocks against another batch or a single write.
    const lockKeys = [...new Set(targets.map((target) => lockKeyOf(target)))].sort();
    const release = await this.lockAll(lockKeys);
    try {
      const before = await Promise.all(targets.map((target) => readItem(reader, target)));
      const answer = await forward(request, body, backend);
      if (answer.status === 200) {
        const after = await Promise.all(targets.map((target) => readItem(reader, target)));
        targets.forEach((target, index) => {
          this.record(target, before[index], after[index], byTtl);
        });
      }
      return answer;
    } finally {
      release();
    }
  }

  /** Table and key of each item the write touches, for tables with a stream only. */
  private writeTargets(operation: string, input: Record<string, unknown>): WriteTarget[] {
    const single = (tableName: unknown, key: Item | undefined): WriteTarget[] => {
      const stream = this.streams.get(String(tableName));
      if (!stream || !key) return [];
      return [{ stream, key: pick(key, stream.keyNames) }];
    };
    switch (operation) {
      case 'PutItem':
        return single(input.TableName, input.Item as Item | undefined);
      case 'UpdateItem':
      case 'DeleteItem':
        return single(input.TableName, input.Key as Item | undefined);
      case 'BatchWriteItem':
        return Object.entries(
          (input.RequestItems ?? {}) as Record<
            string,
            { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
          >,
        ).flatMap(([tableName, requests]) =>
          requests.flatMap((entry) => single(tableName, entry.PutRequest?.Item ?? entry.DeleteRequest?.Key)),
        );
      default:
        return [];
    }
  }

  private record(
    target: WriteTarget,
    before: Item | undefined,
    after: Item | undefined,
    byTtl: boolean,
  ): void {
    // DynamoDB writes no record for a write that changed nothing.
    if (!before && !after) return;
    if (before && after && sameItem(before, after)) return;
    const { stream, key } = target;
    const eventName = !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY';
    const withNew = stream.viewType === 'NEW_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES';
    const withOld = stream.viewType === 'OLD_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES';
    this.sequence += 1n;
    const images = {
      Keys: key,
      ...(withNew && after ? { NewImage: after } : {}),
      ...(withOld && before ? { OldImage: before } : {}),
    };
    const record: StreamRecord = {
      eventID: randomUUID().replaceAll('-', ''),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.resolver.env.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        ...images,
        SequenceNumber: this.sequence.toString(),
        SizeBytes: Buffer.byteLength(JSON.stringify(images)),
        StreamViewType: stream.viewType,
      },
      eventSourceARN: stream.streamArn,
      ...(byTtl && eventName === 'REMOVE'
        ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const }
        : {}),
    };
    stream.records.push(record);
    const keyText = Object.values(key)
      .map((value) => value.S ?? value.N ?? '?')
      .join('/');
    this.log.line(
      'stream',
      `${stream.tableName} ${eventName}${record.userIdentity ? ' (TTL)' : ''} key=${keyText} seq=${record.dynamodb.SequenceNumber}`,
    );
    for (const listener of stream.listeners) listener(record);
  }

  /** Per-item mutual exclusion: each lock waits for the previous holder of the same item. */
  private async lockAll(keys: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of keys) {
      const previous = this.itemLocks.get(key) ?? Promise.resolve();
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chained = previous.then(() => held);
      this.itemLocks.set(key, chained);
      await previous;
      releases.push(() => {
        release();
        if (this.itemLocks.get(key) === chained) this.itemLocks.delete(key);
      });
    }
    return () => {
      for (const release of releases) release();
    };
  }
}

interface WriteTarget {
  readonly stream: TableStream;
  readonly key: Item;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const lockKeyOf = (target: WriteTarget): string =>
  `${target.stream.tableName}\u0000${JSON.stringify(target.stream.keyNames.map((name) => target.key[name]))}`;

const pick = (item: Item, names: readonly string[]): Item =>
  Object.fromEntries(
    names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]),
  ) as Item;

/** Attribute-by-attribute equality; sets compare regardless of order. */
function sameItem(a: Item, b: Item): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => {
        const inner = (value as Record<string, unknown>)[key];
        const isSet = (key === 'SS' || key === 'NS' || key === 'BS') && Array.isArray(inner);
        return [key, isSet ? [...(inner as string[])].sort() : canonical(inner)];
      }),
  );
}

async function readItem(reader: DynamoDBClient, target: WriteTarget): Promise<Item | undefined> {
  const { Item: item } = await reader.send(
    new GetItemCommand({ TableName: target.stream.tableName, Key: target.key, ConsistentRead: true }),
  );
  return item;
}

/** Forwards the request to dynalite and buffers its answer. */
function forward(request: IncomingMessage, body: Buffer, backend: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url ?? '/', backend);
    const upstream = httpRequest(
      url,
      { method: request.method, headers: { ...request.headers, host: url.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}
