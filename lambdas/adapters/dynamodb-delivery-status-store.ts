import {
  type ConditionalResult,
  DELIVERY_RANK,
  type DeliveryStatusStore,
  type EmailDeliveryReport,
} from '../domain/otp-record.ts';
import { n, s } from './dynamodb-code-item.ts';
import { CodeTableAdapter } from './dynamodb-code-table.ts';

/** The code table's sparse index of emails SES reported DELAYED (partition `delayedShard`, sort `delayedAt`). */
const DELAYED_INDEX = 'DelayedEmails';
const DELAYED_SHARD = 'DELAYED';

/** DynamoDB implementation of {@link DeliveryStatusStore}: status only forward, a condition on the write. */
export class DynamoDbDeliveryStatusStore extends CodeTableAdapter implements DeliveryStatusStore {
  recordEmailDelivery(report: EmailDeliveryReport): Promise<ConditionalResult> {
    const rank = DELIVERY_RANK[report.status];
    // A delivered email is the channel that last worked: a reissue goes by email again.
    const delivered = report.status === 'DELIVERED';
    // A DELAYED email waits in the sparse delayed index until a later status takes it out (or the sweep).
    const delayed = report.status === 'DELAYED';
    return this.table.update(report.parcelId, {
      UpdateExpression:
        'SET emailDelivery = :status, emailDeliveryRank = :rank' +
        (delivered ? ', lastChannel = :email' : '') +
        (report.bounceType === undefined ? '' : ', emailBounceType = :bounceType') +
        (delayed ? ', delayedShard = :shard, delayedAt = :at' : ' REMOVE delayedShard, delayedAt'),
      // Only the latest email's events, and only forward: a late or repeated event changes nothing.
      ConditionExpression: 'emailMessageId = :message AND emailDeliveryRank < :rank',
      ExpressionAttributeValues: {
        ':status': s(report.status),
        ':rank': n(rank),
        ':message': s(report.messageId),
        ...(delivered ? { ':email': s('EMAIL') } : {}),
        ...(delayed ? { ':shard': s(DELAYED_SHARD), ':at': n(report.recordedAt ?? 0) } : {}),
        ...(report.bounceType === undefined ? {} : { ':bounceType': s(report.bounceType) }),
      },
    });
  }

  async listDelayedSince(cutoffSeconds: number): Promise<string[]> {
    const items = await this.table.queryAll({
      IndexName: DELAYED_INDEX,
      KeyConditionExpression: 'delayedShard = :shard AND delayedAt <= :cutoff',
      ExpressionAttributeValues: { ':shard': s(DELAYED_SHARD), ':cutoff': n(cutoffSeconds) },
    });
    return items.flatMap((item) => (item.parcelId?.S ? [item.parcelId.S] : []));
  }

  async clearDelayed(parcelId: string, cutoffSeconds: number): Promise<void> {
    await this.table.update(parcelId, {
      UpdateExpression: 'REMOVE delayedShard, delayedAt',
      ConditionExpression: 'delayedShard = :shard AND delayedAt <= :cutoff',
      ExpressionAttributeValues: { ':shard': s(DELAYED_SHARD), ':cutoff': n(cutoffSeconds) },
    });
  }
}
