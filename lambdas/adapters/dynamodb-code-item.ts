import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ConditionalResult, OtpRecord } from '../domain/otp-record.ts';

/** A DynamoDB item, as the SDK's low-level client reads and writes it. */
export type Item = Record<string, AttributeValue>;

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
  'smsMessageId',
  'smsDelivery',
  'smsFailure',
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
  'lifecycleRevokedAt',
  'resendCount',
  'receiptClaimedAt',
  'lastLifecycleAt',
  'resendLeaseUntil',
  'emailDeliveryRank',
  'smsClaimedAt',
  'smsLeaseUntil',
  'smsDeliveryRank',
  'undeliverableAt',
  'delayedAt',
] as const;

/** A number attribute value. */
export const n = (value: number): AttributeValue => ({ N: String(value) });
/** A string attribute value. */
export const s = (value: string): AttributeValue => ({ S: value });

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

/**
 * A parcel's item holds a code record once issued. Before that it may hold only what arrived early: a
 * driver binding (Out For Delivery) or a closure (Returned, Cancelled). Such a placeholder is no record.
 */
export function recordOf(item: Item | undefined): OtpRecord | undefined {
  return item?.issueId ? fromItem(item) : undefined;
}

/** A refused condition's result: the record, or for a placeholder only the driver it is bound to. */
export function refused(item: Item | undefined): ConditionalResult {
  const placeholderDriverId = item && !item.issueId ? item.driverId?.S : undefined;
  return {
    ok: false,
    current: recordOf(item),
    ...(placeholderDriverId === undefined ? {} : { placeholderDriverId }),
  };
}
