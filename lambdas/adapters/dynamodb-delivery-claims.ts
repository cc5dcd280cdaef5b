import {
  type ConditionalResult,
  DELIVERY_RANK,
  type DeliveryClaimStore,
  type EmailClaim,
  type OtpRecord,
  type ReceiptClaim,
  type ResendLeaseOptions,
  type SendClaim,
  type SmsClaim,
} from '../domain/otp-record.ts';
import { SMS_DELIVERY_RANK } from '../domain/sms-status.ts';
import { n, s } from './dynamodb-code-item.ts';
import { CodeTableAdapter } from './dynamodb-code-table.ts';
import { claimLease, type Lease, NO_RESEND_IN_FLIGHT, releaseLease } from './dynamodb-lease.ts';

/** The record still holds this issue's code and it is open (issued, not expired); `codeOpen` is its twin. */
const CODE_OPEN = 'issueId = :issue AND #status = :issued AND expiresAt > :now';

/** {@link CODE_OPEN} on a record read back after a refused update. */
function codeOpen(record: OtpRecord | undefined, issueId: string, nowSeconds: number): boolean {
  return record?.issueId === issueId && record.status === 'ISSUED' && record.expiresAt > nowSeconds;
}

/** The same issue: a sender of an older code never touches the state of a newer one. */
const sameIssue = (issueId: string) => ({ condition: 'issueId = :issue', values: { ':issue': s(issueId) } });

/** A channel the code goes out by: its lease, and whether a refused claim's record says it went already. */
interface CodeChannel {
  readonly lease: Lease;
  alreadySent(record: OtpRecord | undefined, issueId: string): boolean;
}

const CODE_EMAIL: CodeChannel = {
  lease: { status: 'emailStatus', claimedAt: 'emailClaimedAt' },
  // A reissue resets the email's status, so any SENT is this issue's.
  alreadySent: (record) => record?.emailStatus === 'SENT',
};
const CODE_SMS: CodeChannel = {
  // A code SMS holds the code while in flight: a reissue or revoke waits for smsLeaseUntil.
  lease: { status: 'smsStatus', claimedAt: 'smsClaimedAt', leaseUntil: 'smsLeaseUntil' },
  alreadySent: (record, issueId) => record?.issueId === issueId && record.smsStatus === 'SENT',
};
const RECEIPT_EMAIL: Lease = { status: 'receiptStatus', claimedAt: 'receiptClaimedAt' };

/** DynamoDB implementation of {@link DeliveryClaimStore}: each claim a condition on the write itself. */
export class DynamoDbDeliveryClaims extends CodeTableAdapter implements DeliveryClaimStore {
  claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim> {
    return this.claimCodeSend(parcelId, issueId, CODE_EMAIL, { nowSeconds, leaseSeconds });
  }

  async markEmailSent(parcelId: string, issueId: string, messageId?: string): Promise<void> {
    // Bound to the issue so a stale sender never touches the email state of a newer code.
    await this.table.update(parcelId, {
      UpdateExpression:
        messageId === undefined
          ? 'SET emailStatus = :sent'
          : 'SET emailStatus = :sent, emailMessageId = :message, emailDelivery = :sent, ' +
            'emailDeliveryRank = :rank REMOVE emailBounceType',
      ConditionExpression: 'issueId = :issue',
      ExpressionAttributeValues: {
        ':issue': s(issueId),
        ':sent': s('SENT'),
        ...(messageId === undefined ? {} : { ':message': s(messageId), ':rank': n(DELIVERY_RANK.SENT) }),
      },
    });
  }

  releaseEmailClaim(parcelId: string, issueId: string): Promise<void> {
    return releaseLease(this.table, parcelId, CODE_EMAIL.lease, sameIssue(issueId));
  }

  claimSms(parcelId: string, issueId: string, nowSeconds: number, leaseSeconds: number): Promise<SmsClaim> {
    return this.claimCodeSend(parcelId, issueId, CODE_SMS, { nowSeconds, leaseSeconds });
  }

  async markSmsSent(parcelId: string, issueId: string, messageId?: string): Promise<void> {
    // With the message id, this SMS is the one whose delivery status counts: it starts at SENT.
    await this.table.update(parcelId, {
      UpdateExpression:
        messageId === undefined
          ? 'SET smsStatus = :sent, lastChannel = :sms REMOVE smsLeaseUntil'
          : 'SET smsStatus = :sent, lastChannel = :sms, smsMessageId = :message, smsDelivery = :sent, ' +
            'smsDeliveryRank = :rank REMOVE smsLeaseUntil, smsFailure',
      ConditionExpression: 'issueId = :issue',
      ExpressionAttributeValues: {
        ':issue': s(issueId),
        ':sent': s('SENT'),
        ':sms': s('SMS'),
        ...(messageId === undefined ? {} : { ':message': s(messageId), ':rank': n(SMS_DELIVERY_RANK.SENT) }),
      },
    });
  }

  releaseSmsClaim(parcelId: string, issueId: string): Promise<void> {
    return releaseLease(this.table, parcelId, CODE_SMS.lease, sameIssue(issueId));
  }

  countResend(
    parcelId: string,
    issueId: string,
    { nowSeconds, maxResends, leaseUntil }: ResendLeaseOptions,
  ): Promise<ConditionalResult> {
    return this.table.update(parcelId, {
      UpdateExpression: 'ADD resendCount :one SET resendLeaseUntil = :lease',
      // One resend in flight at a time: a second one must not end the first one's hold on the code.
      ConditionExpression:
        `${CODE_OPEN} ` +
        `AND (attribute_not_exists(resendCount) OR resendCount < :max) AND ${NO_RESEND_IN_FLIGHT}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':one': n(1),
        ':issue': s(issueId),
        ':issued': s('ISSUED'),
        ':now': n(nowSeconds),
        ':max': n(maxResends),
        ':lease': n(leaseUntil),
      },
    });
  }

  markSmsResent(parcelId: string, issueId: string, messageId?: string): Promise<void> {
    return this.markSmsSent(parcelId, issueId, messageId);
  }

  async releaseResend(
    parcelId: string,
    issueId: string,
    { leaseUntil, giveBack }: { readonly leaseUntil: number; readonly giveBack: boolean },
  ): Promise<void> {
    // Only this resend's own hold: one whose lease ran out and was taken over leaves the new one alone.
    await this.table.update(parcelId, {
      UpdateExpression: giveBack
        ? 'REMOVE resendLeaseUntil ADD resendCount :minusOne'
        : 'REMOVE resendLeaseUntil',
      ConditionExpression: `issueId = :issue AND resendLeaseUntil = :lease${giveBack ? ' AND resendCount > :zero' : ''}`,
      ExpressionAttributeValues: {
        ':issue': s(issueId),
        ':lease': n(leaseUntil),
        ...(giveBack ? { ':minusOne': n(-1), ':zero': n(0) } : {}),
      },
    });
  }

  async claimReceipt(parcelId: string, nowSeconds: number, leaseSeconds: number): Promise<ReceiptClaim> {
    // Whatever the status reads now: each announcement is claimed, so none can follow it.
    const result = await claimLease(this.table, parcelId, RECEIPT_EMAIL, {
      nowSeconds,
      leaseSeconds,
      guard: 'attribute_exists(parcelId)',
    });
    if (result.ok) return 'CLAIMED';
    if (!result.current) return 'NO_RECORD';
    return result.current.receiptStatus === 'SENDING' ? 'IN_FLIGHT' : 'ALREADY_SENT';
  }

  markReceiptSent(parcelId: string): Promise<void> {
    return this.settleReceipt(parcelId, 'SENT');
  }

  markReceiptNoRecipient(parcelId: string): Promise<void> {
    return this.settleReceipt(parcelId, 'NO_RECIPIENT');
  }

  releaseReceiptClaim(parcelId: string): Promise<void> {
    return releaseLease(this.table, parcelId, RECEIPT_EMAIL);
  }

  async claimUndeliverableReport(parcelId: string, issueId: string, nowSeconds: number): Promise<boolean> {
    const result = await this.table.update(parcelId, {
      UpdateExpression: 'SET undeliverableAt = :now',
      ConditionExpression: 'issueId = :issue AND attribute_not_exists(undeliverableAt)',
      ExpressionAttributeValues: { ':issue': s(issueId), ':now': n(nowSeconds) },
    });
    return result.ok;
  }

  async releaseUndeliverableReport(parcelId: string, issueId: string): Promise<void> {
    await this.table.update(parcelId, {
      UpdateExpression: 'REMOVE undeliverableAt',
      ConditionExpression: 'issueId = :issue',
      ExpressionAttributeValues: { ':issue': s(issueId) },
    });
  }

  private async settleReceipt(parcelId: string, status: 'SENT' | 'NO_RECIPIENT'): Promise<void> {
    await this.table.update(parcelId, {
      UpdateExpression: 'SET receiptStatus = :status',
      // Never create an item: the record may have been deleted meanwhile.
      ConditionExpression: 'attribute_exists(parcelId)',
      ExpressionAttributeValues: { ':status': s(status) },
    });
  }

  /**
   * Claims sending `issueId`'s code by `channel`, only while the code is open: a code revoked or expired
   * meanwhile is never sent. ALREADY_SENT: this issue's code went by that channel.
   */
  private async claimCodeSend(
    parcelId: string,
    issueId: string,
    channel: CodeChannel,
    { nowSeconds, leaseSeconds }: { readonly nowSeconds: number; readonly leaseSeconds: number },
  ): Promise<SendClaim> {
    const result = await claimLease(this.table, parcelId, channel.lease, {
      nowSeconds,
      leaseSeconds,
      guard: CODE_OPEN,
      names: { '#status': 'status' },
      values: { ':issue': s(issueId), ':issued': s('ISSUED') },
    });
    if (result.ok) return 'CLAIMED';
    const current = result.current;
    if (channel.alreadySent(current, issueId)) return 'ALREADY_SENT';
    if (!codeOpen(current, issueId, nowSeconds)) return 'CODE_CLOSED';
    return 'IN_FLIGHT';
  }
}
