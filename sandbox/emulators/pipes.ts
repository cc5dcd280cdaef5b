import type { LocalDynamoDbStreams, StreamRecord } from './dynamodb-streams.ts';
import type { PutEventsEntry } from './eventbridge/bus.ts';
import { type CompiledPattern, matchesEventPattern, parseEventPattern } from './eventbridge/event-pattern.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** What a pipe asks of its target: one PutEvents call, made with the pipe's role. */
export interface PipeDelivery {
  readonly pipeName: string;
  readonly pipeArn: string;
  /** The role the pipe assumes for the call (an IAM check belongs where this is handled). */
  readonly roleArn: string;
  readonly targetArn: string;
  readonly entries: readonly PutEventsEntry[];
}

/** Puts a pipe's entries on its target bus; the result is PutEvents'. */
export type PipeTargetInvoker = (delivery: PipeDelivery) => Promise<{ FailedEntryCount: number }>;

/** One call a pipe makes as its role besides the target's: a stream read or the dead-letter send. */
export interface PipeCall {
  readonly pipeName: string;
  readonly roleArn: string;
  /** e.g. `dynamodb:GetRecords`, `sqs:SendMessage`. */
  readonly action: string;
  readonly resource: string;
}

/** Decides whether the pipe's role may make a call: the refusal's message, or undefined to let it through. */
export type PipeCallAuthorizer = (call: PipeCall) => Promise<string | undefined>;

/** How {@link LocalPipes} log, retry and check their calls. */
export interface LocalPipesOptions {
  readonly log: SandboxLog;
  /**
   * Wait before a batch's retry, times the attempt, in ms.
   * @default 200
   */
  readonly retryDelayMs?: number;
  /** Checks the stream reads and the dead-letter send against the pipe's role (the target's call is the invoker's); default allows. */
  readonly authorize?: PipeCallAuthorizer;
}

/** What Pipes sends to the dead-letter queue for a stream batch it gave up on (the batch's coordinates, not its records). */
export interface PipeDeadLetter {
  readonly pipeName: string;
  readonly dlqArn: string;
  readonly message: {
    readonly requestContext: { readonly condition: string; readonly approximateInvokeCount: number };
    readonly responseContext: { readonly error: string };
    readonly timestamp: string;
    readonly DDBStreamBatchInfo: {
      readonly streamArn: string;
      readonly startSequenceNumber: string;
      readonly endSequenceNumber: string;
      readonly batchSize: number;
    };
  };
}

interface PipeDefinition {
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly sourceArn: string;
  readonly targetArn: string;
  readonly filters: readonly CompiledPattern[];
  readonly inputTemplate?: string;
  readonly detailType?: string;
  readonly source?: string;
  readonly batchSize: number;
  readonly maxAttempts: number;
  readonly dlqArn?: string;
}

/**
 * The template's `AWS::Pipes::Pipe` resources with a DynamoDB stream source and an event bus target:
 * records are read in stream order (one shard), filtered with the EventBridge pattern matcher, shaped by
 * the input template, and put on the bus; a batch the bus does not take is retried, then its coordinates
 * go to the dead-letter list and the pipe moves on, as Pipes does once retries are exhausted.
 */
export class LocalPipes {
  /** Batches given up on, per the pipe's `DeadLetterConfig`. */
  readonly deadLetters: PipeDeadLetter[] = [];
  /** Billable requests: records that passed a pipe's filter (Pipes bills after filtering). */
  readonly stats = { requests: 0 };
  private readonly queues = new Map<string, StreamRecord[]>();
  private readonly running = new Map<string, Promise<void>>();

  private readonly log: SandboxLog;
  private readonly retryDelayMs: number;
  private readonly authorize: PipeCallAuthorizer;

  constructor(
    private readonly resolver: TemplateResolver,
    streams: LocalDynamoDbStreams,
    private readonly invokeTarget: PipeTargetInvoker,
    options: LocalPipesOptions,
  ) {
    this.log = options.log;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.authorize = options.authorize ?? (async () => undefined);
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::Pipes::Pipe')) {
      const pipe = this.definition(logicalId, resource.Properties ?? {});
      if (!pipe) continue;
      this.queues.set(pipe.name, []);
      streams.subscribe(pipe.sourceArn, (record) => this.enqueue(pipe, record));
      this.log.line('pipes', `pipe ${pipe.name}: stream -> ${pipe.targetArn.split('/').pop()}`);
    }
  }

  /** Resolves when every record handed to a pipe so far has been delivered or dead-lettered. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private definition(logicalId: string, raw: Record<string, unknown>): PipeDefinition | undefined {
    const properties = this.resolver.resolve(raw) as {
      Name?: string;
      RoleArn: string;
      Source: string;
      Target: string;
      DesiredState?: string;
      SourceParameters?: {
        FilterCriteria?: { Filters?: { Pattern?: string }[] };
        DynamoDBStreamParameters?: {
          BatchSize?: number;
          MaximumRetryAttempts?: number;
          DeadLetterConfig?: { Arn?: string };
        };
      };
      TargetParameters?: {
        InputTemplate?: string;
        EventBridgeEventBusParameters?: { DetailType?: string; Source?: string };
      };
    };
    if (properties.DesiredState === 'STOPPED') return undefined;
    if (!properties.Source.includes(':dynamodb:') || !properties.Target.includes(':event-bus/')) {
      throw new Error(`Pipe ${logicalId}: the sandbox runs DynamoDB stream to event bus pipes only`);
    }
    const stream = properties.SourceParameters?.DynamoDBStreamParameters ?? {};
    const retries = stream.MaximumRetryAttempts ?? -1;
    const target = properties.TargetParameters ?? {};
    const bus = target.EventBridgeEventBusParameters ?? {};
    return {
      name: properties.Name ?? logicalId,
      arn: this.resolver.arn(logicalId),
      roleArn: properties.RoleArn,
      sourceArn: properties.Source,
      targetArn: properties.Target,
      filters: (properties.SourceParameters?.FilterCriteria?.Filters ?? [])
        .filter((filter) => filter.Pattern !== undefined)
        .map((filter) => parseEventPattern(filter.Pattern)),
      ...(target.InputTemplate === undefined ? {} : { inputTemplate: target.InputTemplate }),
      ...(bus.DetailType === undefined ? {} : { detailType: bus.DetailType }),
      ...(bus.Source === undefined ? {} : { source: bus.Source }),
      // PutEvents takes at most 10 entries.
      batchSize: Math.min(10, Math.max(1, stream.BatchSize ?? 1)),
      // The sandbox retries quickly and a few times (-1 is "until the record expires"); the template keeps the real policy.
      maxAttempts: Math.min(3, retries < 0 ? 3 : retries + 1),
      ...(stream.DeadLetterConfig?.Arn ? { dlqArn: stream.DeadLetterConfig.Arn } : {}),
    };
  }

  private enqueue(pipe: PipeDefinition, record: StreamRecord): void {
    // Filtered out records are dropped before batching, as Pipes does (and are not billed).
    if (pipe.filters.length > 0 && !pipe.filters.some((filter) => matchesEventPattern(filter, record)))
      return;
    this.stats.requests++;
    this.queues.get(pipe.name)?.push(record);
    if (this.running.has(pipe.name)) return;
    const run = this.drain(pipe).finally(() => this.running.delete(pipe.name));
    this.running.set(pipe.name, run);
  }

  /** One shard: batches in stream order, the next only after the previous was delivered or given up on. */
  private async drain(pipe: PipeDefinition): Promise<void> {
    const queue = this.queues.get(pipe.name) ?? [];
    while (queue.length > 0) {
      const batch = queue.splice(0, pipe.batchSize);
      const refusal = await this.readRefusal(pipe);
      if (refusal) {
        // Pipes cannot poll the stream: the records stay in the stream, unread, and nothing reaches the bus.
        const first = batch[0] as StreamRecord;
        this.log.line(
          'pipes',
          `pipe ${pipe.name} cannot read seq ${first.dynamodb.SequenceNumber}: AccessDeniedException: ${refusal} -> not read`,
        );
        continue;
      }
      await this.deliver(pipe, batch);
    }
  }

  /** The calls a pipe makes to read a DynamoDB stream, as its role; the first refusal, if any. */
  private async readRefusal(pipe: PipeDefinition): Promise<string | undefined> {
    const reads = [
      { action: 'dynamodb:ListStreams', resource: '*' },
      { action: 'dynamodb:DescribeStream', resource: pipe.sourceArn },
      { action: 'dynamodb:GetShardIterator', resource: pipe.sourceArn },
      { action: 'dynamodb:GetRecords', resource: pipe.sourceArn },
    ];
    for (const read of reads) {
      const refusal = await this.authorize({ pipeName: pipe.name, roleArn: pipe.roleArn, ...read });
      if (refusal) return refusal;
    }
    return undefined;
  }

  private async deliver(pipe: PipeDefinition, batch: StreamRecord[]): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= pipe.maxAttempts; attempt++) {
      try {
        const entries = batch.map((record) => this.entryFor(pipe, record));
        const result = await this.invokeTarget({
          pipeName: pipe.name,
          pipeArn: pipe.arn,
          roleArn: pipe.roleArn,
          targetArn: pipe.targetArn,
          entries,
        });
        if (result.FailedEntryCount > 0) throw new Error(`${result.FailedEntryCount} entries failed`);
        this.log.line('pipes', `pipe ${pipe.name} -> bus ${batch.length} event(s)`);
        return;
      } catch (error) {
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt < pipe.maxAttempts)
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
    const first = batch[0] as StreamRecord;
    const last = batch[batch.length - 1] as StreamRecord;
    const refusal = pipe.dlqArn
      ? await this.authorize({
          pipeName: pipe.name,
          roleArn: pipe.roleArn,
          action: 'sqs:SendMessage',
          resource: pipe.dlqArn,
        })
      : undefined;
    if (pipe.dlqArn && !refusal) {
      this.deadLetters.push({
        pipeName: pipe.name,
        dlqArn: pipe.dlqArn,
        message: {
          requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: pipe.maxAttempts },
          responseContext: { error: lastError },
          timestamp: new Date().toISOString(),
          DDBStreamBatchInfo: {
            streamArn: pipe.sourceArn,
            startSequenceNumber: first.dynamodb.SequenceNumber,
            endSequenceNumber: last.dynamodb.SequenceNumber,
            batchSize: batch.length,
          },
        },
      });
    }
    this.log.line(
      'pipes',
      `pipe ${pipe.name} could not deliver seq ${first.dynamodb.SequenceNumber}: ${lastError} -> ${!pipe.dlqArn ? 'dropped' : refusal ? 'dead-letter queue refused, dropped' : 'dead-letter queue'}`,
    );
  }

  private entryFor(pipe: PipeDefinition, record: StreamRecord): PutEventsEntry {
    const reserved: Record<string, string> = {
      'aws.pipes.pipe-arn': pipe.arn,
      'aws.pipes.pipe-name': pipe.name,
      'aws.pipes.source-arn': pipe.sourceArn,
      'aws.pipes.target-arn': pipe.targetArn,
      'aws.pipes.event.ingestion-time': new Date().toISOString(),
    };
    const detail =
      pipe.inputTemplate === undefined
        ? JSON.stringify(record)
        : renderInputTemplate(pipe.inputTemplate, record, reserved);
    return {
      EventBusName: pipe.targetArn,
      Source: pipe.source ?? `Pipe ${pipe.name}`,
      DetailType: pipe.detailType ?? 'Event from aws:dynamodb',
      Detail: detail,
      Resources: [],
    };
  }
}

/**
 * Renders a Pipes input template: each `<$.path>` (dot notation, `[n]` indices) or reserved variable is
 * replaced by the value it names. Inside a JSON string the value goes in as string content (escaped);
 * outside one it goes in as JSON, so objects and arrays stay objects and arrays. A missing path yields
 * an empty string inside quotes and `null` outside.
 */
export function renderInputTemplate(
  template: string,
  event: unknown,
  reserved: Record<string, string> = {},
): string {
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index++) {
    const char = template[index] as string;
    if (char === '<') {
      const end = template.indexOf('>', index);
      const name = end === -1 ? '' : template.slice(index + 1, end);
      if (name.startsWith('$') || name in reserved || name === 'aws.pipes.event.json') {
        const value =
          name === 'aws.pipes.event.json' ? event : name in reserved ? reserved[name] : valueAt(event, name);
        output += inString ? stringContent(value) : value === undefined ? 'null' : JSON.stringify(value);
        index = end;
        continue;
      }
    }
    if (char === '"' && !isEscaped(template, index)) inString = !inString;
    output += char;
  }
  return output;
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let at = index - 1; at >= 0 && text[at] === '\\'; at--) backslashes++;
  return backslashes % 2 === 1;
}

/** A value as the content of a JSON string: strings as themselves, anything else as its JSON. */
function stringContent(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

/** The value a JSONPath of dot notation and `[n]` indices names, or undefined. */
function valueAt(root: unknown, path: string): unknown {
  const steps = path
    .replace(/^\$\.?/, '')
    .split(/\.|(?=\[)/)
    .filter((step) => step !== '');
  let current: unknown = root;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const index = /^\[(\d+)\]$/.exec(step);
    current = index
      ? (current as unknown[])[Number(index[1])]
      : Object.hasOwn(current, step)
        ? (current as Record<string, unknown>)[step]
        : undefined;
  }
  return current;
}
