import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { tableAccess } from '../contracts/table-access.ts';
import { StoreThrottledError } from '../domain/errors.ts';
import type { CodeReader, ConditionalResult, OtpRecord } from '../domain/otp-record.ts';
import { fromItem, type Item, recordOf, refused, s } from './dynamodb-code-item.ts';

/** What check-value may read of a parcel's item (TABLE_ACCESS). */
const CHECK_VALUE_READS = tableAccess('check-value', 'OTP_TABLE_NAME').read ?? [];

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** Maps throttling, after the SDK's own retries, to the typed error callers turn into 503 (the SDK's error its cause). */
export function rethrow(error: unknown): never {
  if (error instanceof Error && THROTTLING.has(error.name))
    throw new StoreThrottledError(error.message, { cause: error });
  // The caller's deadline ran out, in practice while the SDK was backing off from throttling.
  if (error instanceof Error && error.name === 'AbortError')
    throw new StoreThrottledError('deadline reached', { cause: error });
  throw error;
}

/** One conditional update of a parcel's item: what to change, and the condition the change needs. */
export interface ItemUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
}

/** Where the code table is, and when a caller stops waiting for it. */
export interface CodeTableOptions {
  readonly tableName: string;
  /** Requests are abandoned once it aborts (a handler's deadline). */
  readonly abortSignal?: AbortSignal;
}

/**
 * The code table (one item per parcel, key `parcelId`) as every code adapter reaches it: a consistent
 * read, a conditional update that answers the item as it was when refused, and a query of an index.
 */
export class CodeTable {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: CodeTableOptions,
  ) {}

  /** The same table, its requests abandoned once `signal` aborts. */
  withAbortSignal(signal: AbortSignal): CodeTable {
    return new CodeTable(this.client, { ...this.options, abortSignal: signal });
  }

  /** The parcel's code record; undefined for none or a placeholder. */
  async get(parcelId: string): Promise<OtpRecord | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { parcelId: s(parcelId) },
          ConsistentRead: true,
        }),
        { abortSignal: this.options.abortSignal },
      );
      return recordOf(result.Item);
    } catch (error) {
      return rethrow(error);
    }
  }

  /** Whether the parcel has a code (an issued record, whatever its state): its issue id, nothing else. */
  async hasCode(parcelId: string): Promise<boolean> {
    return (await this.read(parcelId, CHECK_VALUE_READS))?.issueId !== undefined;
  }

  /** A conditional UpdateItem returning the new item, or the old one when the condition failed. */
  async update(parcelId: string, input: ItemUpdate): Promise<ConditionalResult> {
    try {
      const output = await this.send(parcelId, input, {
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { ok: true, record: fromItem(output.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return refused(error.Item);
      return rethrow(error);
    }
  }

  /**
   * A conditional UpdateItem that answers nothing (`ReturnValues` NONE): whether it was written, and no
   * attribute at all, so no expression can echo a hash back. For the roles IAM lets see only what they write.
   */
  async write(parcelId: string, input: ItemUpdate): Promise<boolean> {
    try {
      await this.send(parcelId, input, { ReturnValues: 'NONE' });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      return rethrow(error);
    }
  }

  /** A consistent read of `attributes` of the parcel's item only (a projection); undefined for none. */
  async read(parcelId: string, attributes: readonly string[]): Promise<Item | undefined> {
    try {
      const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { parcelId: s(parcelId) },
          ConsistentRead: true,
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
        }),
        { abortSignal: this.options.abortSignal },
      );
      return result.Item;
    } catch (error) {
      return rethrow(error);
    }
  }

  /** Every item of an index query, page after page. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    try {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            ...input,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
          { abortSignal: this.options.abortSignal },
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      return rethrow(error);
    }
    return items;
  }

  /** One UpdateItem of the parcel's item, answering as `answers` asks. */
  private send(
    parcelId: string,
    input: ItemUpdate,
    answers: Pick<UpdateItemCommandInput, 'ReturnValues' | 'ReturnValuesOnConditionCheckFailure'>,
  ): Promise<UpdateItemCommandOutput> {
    return this.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { parcelId: s(parcelId) },
        ...input,
        ...answers,
      }),
      { abortSignal: this.options.abortSignal },
    );
  }
}

/** What every code adapter is: a reader of the parcel's record in the code table it writes. */
export abstract class CodeTableAdapter implements CodeReader {
  constructor(protected readonly table: CodeTable) {}

  get(parcelId: string): Promise<OtpRecord | undefined> {
    return this.table.get(parcelId);
  }
}
