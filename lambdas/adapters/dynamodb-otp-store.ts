import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ENVIRONMENT } from '../contracts/environment.ts';
import { ParcelClosedError, StoreThrottledError } from '../domain/errors.ts';
import type {
  ConditionalResult,
  DeliveryStatusStore,
  EmailClaim,
  EmailDeliveryReport,
  LifecycleOrder,
  LifecycleStore,
  OtpRecord,
  ReissueFields,
  ReissueOrder,
  VerifyAttempt,
} from '../domain/otp-record.ts';
import { DELIVERY_RANK } from '../domain/otp-record.ts';

type Item = Record<string, AttributeValue>;

const STRING_FIELDS = [
  'parcelId',
  'orderId',
  'issueId',
  'codeHash',
  'codeCiphertext',
  'status',
  'deliveryDate',
  'driverId',
  'timeZone',
  'emailStatus',
  'verifiedBy',
  'previousCodeHash',
  'receiptStatus',
  'lastLifecycleEvent',
  'verifiedAtIso',
  'emailMessageId',
  'emailDelivery',
  'emailBounceType',
  'smsStatus',
  'lastChannel',
  'delayedShard',
] as const;
const NUMBER_FIELDS = [
  'expiresAt',
  'ttl',
  'issuedAt',
  'wrongAttempts',
  'totalWrongAttempts',
  'emailClaimedAt',
  'verifiedAt',
  'boundAt',
  'issueCount',
  'closedAt',
  'revokedAt',
  'resendCount',
  'receiptClaimedAt',
  'lastLifecycleAt',
  'resendLeaseUntil',
  'emailDeliveryRank',
  'smsClaimedAt',
  'smsLeaseUntil',
  'undeliverableAt',
  'delayedAt',
] as const;

/** Marshals a record to a DynamoDB item (hand-written: keeps util-dynamodb out of every bundle). */
export function toItem(record: OtpRecord): Item {
  const item: Item = {};
  const source = record as unknown as Record<string, string | number | undefined>;
  for (const field of STRING_FIELDS) {
    const value = source[field];
    if (typeof value === 'string') item[field] = { S: value };
  }
  for (const field of NUMBER_FIELDS) {
    const value = source[field];
    if (typeof value === 'number') item[field] = { N: String(value) };
  }
  return item;
}

/** Unmarshals a DynamoDB item written by {@link toItem}. */
export function fromItem(item: Item): OtpRecord {
  const record: Record<string, string | number> = {};
  for (const field of STRING_FIELDS) {
    const value = item[field]?.S;
    if (value !== undefined) record[field] = value;
  }
  for (const field of NUMBER_FIELDS) {
    const value = item[field]?.N;
    if (value !== undefined) record[field] = Number(value);
  }
  return record as unknown as OtpRecord;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** Maps throttling, after the SDK's own retries, to the typed error callers turn into 503. */
export function rethrow(error: unknown): never {
  if (error instanceof Error && THROTTLING.has(error.name)) throw new StoreThrottledError(error.message);
  // The caller's deadline ran out, in practice while the SDK was backing off from throttling.
  if (error instanceof Error && error.name === 'AbortError')
    throw new StoreThrottledError('deadline reached');
  throw error;
}

/** Runs a conditional write; a failed condition returns the item as it was instead of throwing. */
async function conditional(run: () => Promise<Item | undefined>): Promise<ConditionalResult> {
  try {
    const attributes = await run();
    return { ok: true, record: fromItem(attributes ?? {}) };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return refused(error.Item);
    return rethrow(error);
  }
}

/**
 * A parcel's item holds a code record once issued. Before that it may hold only what arrived early: a
 * driver binding (Out For Delivery) or a closure (Returned, Cancelled). Such a placeholder is no record.
 */
function recordOf(item: Item | undefined): OtpRecord | undefined {
  return item?.issueId ? fromItem(item) : undefined;
}

/** A refused condition's result: the record, or for a placeholder only the driver it is bound to. */
function refused(item: Item | undefined): ConditionalResult {
  const placeholderDriverId = item && !item.issueId ? item.driverId?.S : undefined;
  return {
    ok: false,
    current: recordOf(item),
    ...(placeholderDriverId === undefined ? {} : { placeholderDriverId }),
  };
}

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

/** The code table's sparse index of emails SES reported DELAYED (partition `delayedShard`, sort `delayedAt`). */
const DELAYED_INDEX = 'DelayedEmails';
const DELAYED_SHARD = 'DELAYED';

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });

/** No lifecycle event at or after this one was applied: older events and redeliveries change nothing. */
const NEWER_THAN_LAST_LIFECYCLE =
  '(attribute_not_exists(lastLifecycleAt) OR lastLifecycleAt < :eventAt ' +
  'OR (lastLifecycleAt = :eventAt AND lastLifecycleEvent <> :eventKey))';

/** The record still holds this issue's code and it is open (issued, not expired); `codeOpen` is its twin. */
const CODE_OPEN = 'issueId = :issue AND #status = :issued AND expiresAt > :now';

/** {@link CODE_OPEN} on a record read back after a refused update. */
function codeOpen(record: OtpRecord | undefined, issueId: string, nowSeconds: number): boolean {
  return record?.issueId === issueId && record.status === 'ISSUED' && record.expiresAt > nowSeconds;
}

/** No resend of the current code may be on its way to SES (its email must carry a current code). */
const NO_RESEND_IN_FLIGHT = '(attribute_not_exists(resendLeaseUntil) OR resendLeaseUntil <= :now)';
/** No code SMS is on its way: a reissue or revoke must not let it carry a code that is no longer current. */
const NO_SMS_IN_FLIGHT = '(attribute_not_exists(smsLeaseUntil) OR smsLeaseUntil <= :now)';

const orderValues = (order: LifecycleOrder): Item => ({
  ':eventAt': n(order.eventAt),
  ':eventKey': s(order.eventKey),
});

/** The conditions under which a code may still be tried by this driver. */
const openForDriver = (attempt: VerifyAttempt): string =>
  '#status = :issued AND expiresAt > :now AND wrongAttempts < :max AND driverId = :driver' +
  (attempt.maxWrongAttemptsPerParcel === undefined ? '' : ' AND totalWrongAttempts < :parcelMax');

/** DynamoDB implementation of {@link OtpStore}: every limit is a condition on the write itself. */
export class DynamoDbOtpStore implements LifecycleStore, DeliveryStatusStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly abortSignal?: AbortSignal,
    /** Seconds a closure's placeholder is kept (see {@link closureTtlSeconds}). */
    private readonly closureTtl: number = DEFAULT_CLOSURE_TTL_SECONDS,
  ) {}

  /** The same store, its requests abandoned once `signal` aborts (a handler's deadline). */
  withAbortSignal(signal: AbortSignal): DynamoDbOtpStore {
    return new DynamoDbOtpStore(this.client, this.tableName, signal, this.closureTtl);
  }

  async createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }> {
    // An update, not a put: a placeholder's early driver binding is kept, a closure refuses the code.
    const { parcelId: _key, ...fields } = toItem(record);
    const entries = Object.entries(fields);
    const result = await this.update(record.parcelId, {
      UpdateExpression: `SET ${entries.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
      ConditionExpression: 'attribute_not_exists(issueId) AND attribute_not_exists(closedAt)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:f${index}`, value])),
    });
    if (result.ok) return { created: true, record: result.record };
    if (!result.current)
      throw new ParcelClosedError(`Parcel ${record.parcelId} was closed before its code was issued`);
    return { created: false, record: result.current };
  }

  async get(parcelId: string): Promise<OtpRecord | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { parcelId: s(parcelId) },
          ConsistentRead: true,
        }),
        { abortSignal: this.abortSignal },
      );
      return recordOf(result.Item);
    } catch (error) {
      return rethrow(error);
    }
  }

  async claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim> {
    const result = await this.update(parcelId, {
      UpdateExpression: 'SET emailStatus = :sending, emailClaimedAt = :now',
      // Only while the code is open: a code revoked or expired meanwhile is never emailed.
      ConditionExpression:
        `${CODE_OPEN} ` +
        'AND (attribute_not_exists(emailStatus) OR (emailStatus = :sending AND emailClaimedAt < :stale))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sending': s('SENDING'),
        ':issue': s(issueId),
        ':issued': s('ISSUED'),
        ':now': n(nowSeconds),
        ':stale': n(nowSeconds - leaseSeconds),
      },
    });
    if (result.ok) return 'CLAIMED';
    const current = result.current;
    if (current?.emailStatus === 'SENT') return 'ALREADY_SENT';
    if (!codeOpen(current, issueId, nowSeconds)) return 'CODE_CLOSED';
    return 'IN_FLIGHT';
  }

  async markEmailSent(parcelId: string, issueId: string, messageId?: string): Promise<void> {
    // Bound to the issue so a stale sender never touches the email state of a newer code.
    await this.update(parcelId, {
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

  recordEmailDelivery(report: EmailDeliveryReport): Promise<ConditionalResult> {
    const rank = DELIVERY_RANK[report.status];
    // A delivered email is the channel that last worked: a reissue goes by email again.
    const delivered = report.status === 'DELIVERED';
    // A DELAYED email waits in the sparse delayed index until a later status takes it out (or the sweep).
    const delayed = report.status === 'DELAYED';
    return this.update(report.parcelId, {
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

  async claimSms(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim> {
    const result = await this.update(parcelId, {
      UpdateExpression: 'SET smsStatus = :sending, smsClaimedAt = :now, smsLeaseUntil = :leaseUntil',
      ConditionExpression:
        `${CODE_OPEN} ` +
        'AND (attribute_not_exists(smsStatus) OR (smsStatus = :sending AND smsClaimedAt < :stale))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sending': s('SENDING'),
        ':issue': s(issueId),
        ':issued': s('ISSUED'),
        ':now': n(nowSeconds),
        ':stale': n(nowSeconds - leaseSeconds),
        ':leaseUntil': n(nowSeconds + leaseSeconds),
      },
    });
    if (result.ok) return 'CLAIMED';
    const current = result.current;
    if (current?.issueId === issueId && current.smsStatus === 'SENT') return 'ALREADY_SENT';
    if (!codeOpen(current, issueId, nowSeconds)) return 'CODE_CLOSED';
    return 'IN_FLIGHT';
  }

  async markSmsSent(parcelId: string, issueId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'SET smsStatus = :sent, lastChannel = :sms REMOVE smsLeaseUntil',
      ConditionExpression: 'issueId = :issue',
      ExpressionAttributeValues: { ':issue': s(issueId), ':sent': s('SENT'), ':sms': s('SMS') },
    });
  }

  async listDelayedSince(cutoffSeconds: number): Promise<string[]> {
    const parcelIds: string[] = [];
    let startKey: Item | undefined;
    try {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: DELAYED_INDEX,
            KeyConditionExpression: 'delayedShard = :shard AND delayedAt <= :cutoff',
            ExpressionAttributeValues: { ':shard': s(DELAYED_SHARD), ':cutoff': n(cutoffSeconds) },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
          { abortSignal: this.abortSignal },
        );
        for (const item of page.Items ?? []) if (item.parcelId?.S) parcelIds.push(item.parcelId.S);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      return rethrow(error);
    }
    return parcelIds;
  }

  async clearDelayed(parcelId: string, cutoffSeconds: number): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'REMOVE delayedShard, delayedAt',
      ConditionExpression: 'delayedShard = :shard AND delayedAt <= :cutoff',
      ExpressionAttributeValues: { ':shard': s(DELAYED_SHARD), ':cutoff': n(cutoffSeconds) },
    });
  }

  async claimUndeliverableReport(parcelId: string, issueId: string, nowSeconds: number): Promise<boolean> {
    const result = await this.update(parcelId, {
      UpdateExpression: 'SET undeliverableAt = :now',
      ConditionExpression: 'issueId = :issue AND attribute_not_exists(undeliverableAt)',
      ExpressionAttributeValues: { ':issue': s(issueId), ':now': n(nowSeconds) },
    });
    return result.ok;
  }

  async releaseUndeliverableReport(parcelId: string, issueId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'REMOVE undeliverableAt',
      ConditionExpression: 'issueId = :issue',
      ExpressionAttributeValues: { ':issue': s(issueId) },
    });
  }

  markSmsResent(parcelId: string, issueId: string): Promise<void> {
    return this.markSmsSent(parcelId, issueId);
  }

  async releaseSmsClaim(parcelId: string, issueId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'REMOVE smsStatus, smsClaimedAt, smsLeaseUntil',
      ConditionExpression: 'issueId = :issue AND smsStatus = :sending',
      ExpressionAttributeValues: { ':issue': s(issueId), ':sending': s('SENDING') },
    });
  }

  async releaseEmailClaim(parcelId: string, issueId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'REMOVE emailStatus, emailClaimedAt',
      // Only a claim still in flight: a sender that outlived its lease must not wipe SENT.
      ConditionExpression: 'issueId = :issue AND emailStatus = :sending',
      ExpressionAttributeValues: { ':issue': s(issueId), ':sending': s('SENDING') },
    });
  }

  async assignDriver(
    parcelId: string,
    driverId: string,
    eventSeconds: number,
    placeholderTtl: number,
  ): Promise<'BOUND' | 'WAITING_FOR_CODE' | 'REFUSED'> {
    const result = await this.update(parcelId, {
      UpdateExpression: 'SET driverId = :driver, boundAt = :at, #ttl = if_not_exists(#ttl, :placeholderTtl)',
      // Events arrive late and out of order: one older than the last (re)binding or reissue changes nothing.
      // Before the code exists the binding waits in a placeholder, which the issued code then keeps.
      ConditionExpression:
        '((attribute_not_exists(issueId) AND attribute_not_exists(closedAt)) OR #status = :issued) ' +
        'AND (attribute_not_exists(boundAt) OR boundAt <= :at)',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':driver': s(driverId),
        ':issued': s('ISSUED'),
        ':at': n(eventSeconds),
        ':placeholderTtl': n(placeholderTtl),
      },
    });
    if (!result.ok) return 'REFUSED';
    return result.record.issueId ? 'BOUND' : 'WAITING_FOR_CODE';
  }

  verify(attempt: VerifyAttempt): Promise<ConditionalResult> {
    return this.update(attempt.parcelId, {
      // verifiedAtIso: the stream's pipe copies it into Parcel Handover Verified as the contract's string.
      UpdateExpression:
        'SET #status = :verified, verifiedAt = :now, verifiedAtIso = :nowIso, verifiedBy = :driver',
      ConditionExpression: `codeHash = :hash AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...this.openValues(attempt),
        ':hash': s(attempt.codeHash),
        ':verified': s('VERIFIED'),
        ':nowIso': s(attempt.nowIso),
      },
    });
  }

  recordWrongAttempt(attempt: VerifyAttempt, issuedHash: string): Promise<ConditionalResult> {
    return this.update(attempt.parcelId, {
      UpdateExpression: 'ADD wrongAttempts :one, totalWrongAttempts :one',
      // Same code still current, and still open: the bound holds however many requests race.
      ConditionExpression: `codeHash = :issuedHash AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...this.openValues(attempt), ':issuedHash': s(issuedHash), ':one': n(1) },
    });
  }

  private openValues(attempt: VerifyAttempt): Item {
    return {
      ':issued': s('ISSUED'),
      ':now': n(attempt.nowSeconds),
      ':max': n(attempt.maxWrongAttempts),
      ':driver': s(attempt.driverId),
      ...(attempt.maxWrongAttemptsPerParcel === undefined
        ? {}
        : { ':parcelMax': n(attempt.maxWrongAttemptsPerParcel) }),
    };
  }

  reissue(
    parcelId: string,
    expectedIssueId: string,
    fields: ReissueFields,
    maxWrongPerParcel: number,
    order: ReissueOrder,
  ): Promise<ConditionalResult> {
    const keep = order.keepBindingAt !== undefined;
    return this.update(parcelId, {
      UpdateExpression:
        'SET issueId = :issue, previousCodeHash = codeHash, codeHash = :hash, codeCiphertext = :sealed, ' +
        'expiresAt = :expires, #ttl = :ttl, issuedAt = :issuedAt, deliveryDate = :date, #status = :issued, ' +
        'wrongAttempts = :zero, resendCount = :zero, issueCount = if_not_exists(issueCount, :one) + :one, ' +
        'lastLifecycleAt = :eventAt, lastLifecycleEvent = :eventKey' +
        (keep ? ' REMOVE' : ', boundAt = :binding REMOVE driverId,') +
        ' emailStatus, emailClaimedAt, revokedAt, resendLeaseUntil, emailMessageId, emailDelivery,' +
        ' emailDeliveryRank, emailBounceType, smsStatus, smsClaimedAt, smsLeaseUntil, undeliverableAt, delayedShard,' +
        ' delayedAt',
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

  revoke(
    parcelId: string,
    nowSeconds: number,
    close: boolean,
    order?: LifecycleOrder,
  ): Promise<ConditionalResult> {
    // Closing also works before the code exists: the placeholder it leaves bars the code for good.
    const ordered = order ? `, lastLifecycleAt = :eventAt, lastLifecycleEvent = :eventKey` : '';
    return this.update(parcelId, {
      UpdateExpression: close
        ? `SET #status = :revoked, revokedAt = :now, closedAt = :now, #ttl = if_not_exists(#ttl, :placeholderTtl)${ordered}`
        : `SET #status = :revoked, revokedAt = :now${ordered}`,
      ConditionExpression:
        (close
          ? '(attribute_not_exists(issueId) OR #status <> :verified)'
          : 'attribute_exists(issueId) AND #status <> :verified') +
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

  countResend(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    maxResends: number,
    leaseUntil: number,
  ): Promise<ConditionalResult> {
    return this.update(parcelId, {
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

  async releaseResend(
    parcelId: string,
    issueId: string,
    leaseUntil: number,
    uncount: boolean,
  ): Promise<void> {
    // Only this resend's own hold: one whose lease ran out and was taken over leaves the new one alone.
    await this.update(parcelId, {
      UpdateExpression: uncount
        ? 'REMOVE resendLeaseUntil ADD resendCount :minusOne'
        : 'REMOVE resendLeaseUntil',
      ConditionExpression: `issueId = :issue AND resendLeaseUntil = :lease${uncount ? ' AND resendCount > :zero' : ''}`,
      ExpressionAttributeValues: {
        ':issue': s(issueId),
        ':lease': n(leaseUntil),
        ...(uncount ? { ':minusOne': n(-1), ':zero': n(0) } : {}),
      },
    });
  }

  async claimReceipt(
    parcelId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<Exclude<EmailClaim, 'CODE_CLOSED'>> {
    const result = await this.update(parcelId, {
      UpdateExpression: 'SET receiptStatus = :sending, receiptClaimedAt = :now',
      ConditionExpression:
        '#status = :verified AND (attribute_not_exists(receiptStatus) OR (receiptStatus = :sending AND receiptClaimedAt < :stale))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sending': s('SENDING'),
        ':verified': s('VERIFIED'),
        ':now': n(nowSeconds),
        ':stale': n(nowSeconds - leaseSeconds),
      },
    });
    if (result.ok) return 'CLAIMED';
    return result.current?.receiptStatus === 'SENT' ? 'ALREADY_SENT' : 'IN_FLIGHT';
  }

  async markReceiptSent(parcelId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'SET receiptStatus = :sent',
      // Never create an item: the record may have been deleted meanwhile.
      ConditionExpression: 'attribute_exists(parcelId)',
      ExpressionAttributeValues: { ':sent': s('SENT') },
    });
  }

  async releaseReceiptClaim(parcelId: string): Promise<void> {
    await this.update(parcelId, {
      UpdateExpression: 'REMOVE receiptStatus, receiptClaimedAt',
      ConditionExpression: 'receiptStatus = :sending',
      ExpressionAttributeValues: { ':sending': s('SENDING') },
    });
  }

  /** A conditional UpdateItem returning the new item, or the old one when the condition failed. */
  private update(
    parcelId: string,
    input: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Item;
    },
  ): Promise<ConditionalResult> {
    return conditional(async () => {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { parcelId: s(parcelId) },
          ...input,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: this.abortSignal },
      );
      return output.Attributes;
    });
  }
}
