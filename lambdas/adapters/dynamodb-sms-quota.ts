import type { SmsDailyQuota } from '../domain/sms-cap.ts';
import { n } from './dynamodb-code-item.ts';
import type { CodeTable } from './dynamodb-code-table.ts';

/** Two days: the counter outlives its day in every time zone, then TTL tidies it up. */
const COUNTER_TTL_SECONDS = 2 * 86_400;

/**
 * The daily SMS quota as counter items in the code table, keyed `SMS#<number key>#<day>` (a `#` no parcel
 * id has): one conditional ADD per message, so the limit holds however many senders race.
 */
export class DynamoDbSmsQuota implements SmsDailyQuota {
  constructor(
    private readonly table: CodeTable,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async take(numberKey: string, day: string, limit: number): Promise<boolean> {
    const result = await this.table.update(`SMS#${numberKey}#${day}`, {
      UpdateExpression: 'ADD smsCount :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ConditionExpression: 'attribute_not_exists(smsCount) OR smsCount < :limit',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':one': n(1),
        ':limit': n(limit),
        ':ttl': n(this.nowSeconds() + COUNTER_TTL_SECONDS),
      },
    });
    return result.ok;
  }

  async giveBack(numberKey: string, day: string): Promise<void> {
    // Conditional, so a give-back never counts below zero nor creates a counter.
    await this.table.write(`SMS#${numberKey}#${day}`, {
      UpdateExpression: 'ADD smsCount :minusOne',
      ConditionExpression: 'smsCount > :zero',
      ExpressionAttributeValues: { ':minusOne': n(-1), ':zero': n(0) },
    });
  }
}
