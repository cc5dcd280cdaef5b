import { ENVIRONMENT } from '../contracts/environment.ts';
import type {
  ConditionalResult,
  LifecycleOrder,
  LifecycleStore,
  ReissueOptions,
  RevokeOptions,
} from '../domain/otp-record.ts';
import { type Item, n, s } from './dynamodb-code-item.ts';
import { type CodeTable, CodeTableAdapter } from './dynamodb-code-table.ts';
import { NO_RESEND_IN_FLIGHT, NO_SMS_IN_FLIGHT } from './dynamodb-lease.ts';

/**
 * A closure must outlive any redelivery or replay of its Parcel Shipped: kept as long as a code could
 * live (the furthest delivery date ahead) plus the record retention, then TTL removes it.
 */
export function closureTtlSeconds(maxDeliveryDaysAhead: number, recordRetentionDays: number): number {
  return (maxDeliveryDaysAhead + recordRetentionDays) * 86_400;
}

/** The closure's lifetime under the contract's defaults, for a store not told the configured one. */
export const DEFAULT_CLOSURE_TTL_SECONDS = closureTtlSeconds(
  ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default,
  ENVIRONMENT.RECORD_RETENTION_DAYS.default,
);

/** No lifecycle event at or after this one was applied: older events and redeliveries change nothing. */
const NEWER_THAN_LAST_LIFECYCLE =
  '(attribute_not_exists(lastLifecycleAt) OR lastLifecycleAt < :eventAt ' +
  'OR (lastLifecycleAt = :eventAt AND lastLifecycleEvent <> :eventKey))';

/** What a reissue clears: every trace of the replaced code's deliveries. */
const REISSUE_REMOVES =
  ' emailStatus, emailClaimedAt, revokedAt, lifecycleRevokedAt, resendLeaseUntil, emailMessageId, emailDelivery,' +
  ' emailDeliveryRank, emailBounceType, smsStatus, smsClaimedAt, smsLeaseUntil, undeliverableAt, delayedShard,' +
  ' delayedAt, smsMessageId, smsDelivery, smsDeliveryRank, smsFailure';

const orderValues = (order: LifecycleOrder): Item => ({
  ':eventAt': n(order.eventAt),
  ':eventKey': s(order.eventKey),
});

/** Settings of {@link DynamoDbLifecycleStore}. */
export interface LifecycleStoreOptions {
  /**
   * Seconds a closure's placeholder is kept (see {@link closureTtlSeconds}).
   * @default DEFAULT_CLOSURE_TTL_SECONDS
   */
  readonly closureTtlSeconds?: number;
}

/** DynamoDB implementation of {@link LifecycleStore}: every limit is a condition on the write itself. */
export class DynamoDbLifecycleStore extends CodeTableAdapter implements LifecycleStore {
  private readonly closureTtl: number;

  constructor(
    table: CodeTable,
    private readonly options: LifecycleStoreOptions = {},
  ) {
    super(table);
    this.closureTtl = options.closureTtlSeconds ?? DEFAULT_CLOSURE_TTL_SECONDS;
  }

  /** The same store, its requests abandoned once `signal` aborts (a handler's deadline). */
  withAbortSignal(signal: AbortSignal): DynamoDbLifecycleStore {
    return new DynamoDbLifecycleStore(this.table.withAbortSignal(signal), this.options);
  }

  reissue(
    parcelId: string,
    { expectedIssueId, fields, maxWrongPerParcel, order }: ReissueOptions,
  ): Promise<ConditionalResult> {
    const keep = order.keepBindingAt !== undefined;
    return this.table.update(parcelId, {
      UpdateExpression:
        'SET issueId = :issue, previousCodeHash = codeHash, codeHash = :hash, codeCiphertext = :sealed, ' +
        'expiresAt = :expires, #ttl = :ttl, issuedAt = :issuedAt, deliveryDate = :date, #status = :issued, ' +
        'wrongAttempts = :zero, resendCount = :zero, issueCount = if_not_exists(issueCount, :one) + :one, ' +
        'lastLifecycleAt = :eventAt, lastLifecycleEvent = :eventKey' +
        (keep ? ' REMOVE' : ', boundAt = :binding REMOVE driverId,') +
        REISSUE_REMOVES,
      // Ordered by the failure's event time, not by delivery date: a same-day retry gets a fresh code, a
      // redelivered or older event issues nothing. The binding must still be the one the decision to keep
      // or drop it was made on.
      ConditionExpression:
        'issueId = :expected AND #status <> :verified AND attribute_not_exists(closedAt) ' +
        `AND totalWrongAttempts < :parcelMax AND ${NEWER_THAN_LAST_LIFECYCLE} AND ${NO_RESEND_IN_FLIGHT} ` +
        `AND ${NO_SMS_IN_FLIGHT} AND ` +
        (keep ? 'boundAt = :binding' : '(attribute_not_exists(boundAt) OR boundAt <= :binding)'),
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':issue': s(fields.issueId),
        ':hash': s(fields.codeHash),
        ':sealed': s(fields.codeCiphertext),
        ':expires': n(fields.expiresAt),
        ':ttl': n(fields.ttl),
        ':issuedAt': n(fields.issuedAt),
        ':date': s(fields.deliveryDate),
        ':issued': s('ISSUED'),
        ':verified': s('VERIFIED'),
        ':zero': n(0),
        ':one': n(1),
        ':expected': s(expectedIssueId),
        ':parcelMax': n(maxWrongPerParcel),
        ':binding': n(order.keepBindingAt ?? order.eventAt),
        ':now': n(order.nowSeconds),
        ...orderValues(order),
      },
    });
  }

  revoke(parcelId: string, { nowSeconds, close, order }: RevokeOptions): Promise<ConditionalResult> {
    // Closing also works before the code exists: the placeholder it leaves bars the code for good.
    const ordered = order ? `, lastLifecycleAt = :eventAt, lastLifecycleEvent = :eventKey` : '';
    return this.table.update(parcelId, {
      UpdateExpression: close
        ? `SET #status = :revoked, revokedAt = :now, lifecycleRevokedAt = :now, closedAt = :now, #ttl = if_not_exists(#ttl, :placeholderTtl)${ordered}`
        : `SET #status = :revoked, revokedAt = :now, lifecycleRevokedAt = :now${ordered}`,
      ConditionExpression:
        (close
          ? '(attribute_not_exists(issueId) OR #status <> :verified)'
          : 'attribute_exists(issueId) AND #status <> :verified AND attribute_not_exists(closedAt)') +
        ` AND ${NO_RESEND_IN_FLIGHT} AND ${NO_SMS_IN_FLIGHT}${order ? ` AND ${NEWER_THAN_LAST_LIFECYCLE}` : ''}`,
      ExpressionAttributeNames: { '#status': 'status', ...(close ? { '#ttl': 'ttl' } : {}) },
      ExpressionAttributeValues: {
        ':revoked': s('REVOKED'),
        ':verified': s('VERIFIED'),
        ':now': n(nowSeconds),
        ...(close ? { ':placeholderTtl': n(nowSeconds + this.closureTtl) } : {}),
        ...(order ? orderValues(order) : {}),
      },
    });
  }
}
