import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { RecipientReader, RecipientRecord, RecipientWriter } from '../domain/otp-record.ts';
import { rethrow } from './dynamodb-code-table.ts';

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });

/**
 * DynamoDB implementation of the recipient ports: one item per parcel (`parcelId`, `email`, `name`,
 * `locale`, optional `phone`, `ttl`) in a table of its own, so the functions without a grant on it (verify,
 * assign-driver) can never be handed the recipient's details.
 */
export class DynamoDbRecipientStore implements RecipientReader, RecipientWriter {
  /**
   * @param reads the attributes `get` reads (a projection IAM may insist on); fields left out read as empty.
   *   All of them when omitted.
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly reads?: readonly string[],
  ) {}

  async save(recipient: RecipientRecord, nowSeconds: number): Promise<void> {
    const written = await this.conditionalUpdate({
      UpdateExpression:
        'SET email = :email, #name = :name, locale = :locale, #ttl = :ttl' +
        (recipient.phone ? ', phone = :phone' : ' REMOVE phone'),
      // First write wins while it lives; a leftover past its ttl (TTL deletes lazily) is replaced.
      ConditionExpression: 'attribute_not_exists(parcelId) OR #ttl < :now',
      ExpressionAttributeNames: { '#name': 'name', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':email': s(recipient.email),
        ':name': s(recipient.name),
        ':locale': s(recipient.locale),
        ':ttl': n(recipient.ttl),
        ':now': n(nowSeconds),
        ...(recipient.phone ? { ':phone': s(recipient.phone) } : {}),
      },
      Key: { parcelId: s(recipient.parcelId) },
    });
    // Kept from an earlier run: it must still outlive the code this run may create.
    if (!written) await this.extendTtl(recipient.parcelId, recipient.ttl);
  }

  async extendTtl(parcelId: string, ttl: number): Promise<void> {
    await this.conditionalUpdate({
      UpdateExpression: 'SET #ttl = :ttl',
      ConditionExpression: 'attribute_exists(parcelId) AND #ttl < :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':ttl': n(ttl) },
      Key: { parcelId: s(parcelId) },
    });
  }

  async get(parcelId: string): Promise<RecipientRecord | undefined> {
    try {
      const { Item: item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { parcelId: s(parcelId) },
          ConsistentRead: true,
          ...(this.reads ? projection(this.reads) : {}),
        }),
      );
      if (!item?.email?.S) return undefined;
      return {
        parcelId,
        email: item.email.S,
        name: item.name?.S ?? '',
        locale: item.locale?.S ?? '',
        ...(item.phone?.S ? { phone: item.phone.S } : {}),
        ttl: Number(item.ttl?.N ?? 0),
      };
    } catch (error) {
      return rethrow(error);
    }
  }

  async delete(parcelId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: { parcelId: s(parcelId) } }),
      );
    } catch (error) {
      rethrow(error);
    }
  }

  /** An UpdateItem that returns nothing; false when its condition did not hold. */
  private async conditionalUpdate(input: Omit<UpdateItemCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await this.client.send(new UpdateItemCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      return rethrow(error);
    }
  }
}

/** A ProjectionExpression of `attributes`, each through a placeholder (`name` is a reserved word). */
function projection(attributes: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names = Object.fromEntries(attributes.map((name, index) => [`#r${index}`, name]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}
