import { tableAccess } from '../contracts/table-access.ts';
import type { EmailDeliveryStatus, OtpStatus } from '../domain/otp-record.ts';
import type { SmsDeliveryReport, SmsDeliveryState, SmsDeliveryStore } from '../domain/sms-delivery.ts';
import { SMS_DELIVERY_RANK, type SmsDeliveryStatus } from '../domain/sms-status.ts';
import { n, s } from './dynamodb-code-item.ts';
import type { CodeTable } from './dynamodb-code-table.ts';

/** What record-sms-delivery may read of a parcel's item (TABLE_ACCESS). */
const SMS_STATE_READS = tableAccess('record-sms-delivery', 'OTP_TABLE_NAME').read ?? [];

/**
 * DynamoDB implementation of {@link SmsDeliveryStore}: status only forward, a condition on the write;
 * every write answers nothing (`ReturnValues` NONE) and every read is a projection, as IAM allows.
 */
export class DynamoDbSmsDeliveryStore implements SmsDeliveryStore {
  constructor(private readonly table: CodeTable) {}

  recordSmsDelivery(report: SmsDeliveryReport): Promise<boolean> {
    const failed = report.failure !== undefined;
    return this.table.write(report.parcelId, {
      UpdateExpression:
        'SET smsDelivery = :status, smsDeliveryRank = :rank' + (failed ? ', smsFailure = :failure' : ''),
      // Only the latest SMS's events, and only forward: a late, repeated or older code's event changes nothing.
      ConditionExpression: 'smsMessageId = :message AND smsDeliveryRank < :rank',
      ExpressionAttributeValues: {
        ':status': s(report.status),
        ':rank': n(SMS_DELIVERY_RANK[report.status]),
        ':message': s(report.messageId),
        ...(failed ? { ':failure': s(report.failure) } : {}),
      },
    });
  }

  async smsDeliveryState(parcelId: string): Promise<SmsDeliveryState | undefined> {
    const item = await this.table.read(parcelId, SMS_STATE_READS);
    const issueId = item?.issueId?.S;
    if (!item || issueId === undefined) return undefined;
    const text = (name: string) => item[name]?.S;
    const resendLeaseUntil = item.resendLeaseUntil?.N;
    const state = {
      issueId,
      status: text('status') as OtpStatus | undefined,
      smsMessageId: text('smsMessageId'),
      smsStatus: text('smsStatus') as SmsDeliveryState['smsStatus'],
      smsDelivery: text('smsDelivery') as SmsDeliveryStatus | undefined,
      resendLeaseUntil: resendLeaseUntil === undefined ? undefined : Number(resendLeaseUntil),
      emailDelivery: text('emailDelivery') as EmailDeliveryStatus | undefined,
    };
    return Object.fromEntries(
      Object.entries(state).filter(([, value]) => value !== undefined),
    ) as unknown as SmsDeliveryState;
  }

  claimUndeliverableReport(parcelId: string, messageId: string, nowSeconds: number): Promise<boolean> {
    return this.table.write(parcelId, {
      UpdateExpression: 'SET undeliverableAt = :now',
      ConditionExpression: 'smsMessageId = :message AND attribute_not_exists(undeliverableAt)',
      ExpressionAttributeValues: { ':message': s(messageId), ':now': n(nowSeconds) },
    });
  }

  async releaseUndeliverableReport(parcelId: string, messageId: string): Promise<void> {
    await this.table.write(parcelId, {
      UpdateExpression: 'REMOVE undeliverableAt',
      ConditionExpression: 'smsMessageId = :message',
      ExpressionAttributeValues: { ':message': s(messageId) },
    });
  }
}
