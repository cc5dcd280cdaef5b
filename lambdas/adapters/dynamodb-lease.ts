import type { ConditionalResult } from '../domain/otp-record.ts';
import { type Item, n, s } from './dynamodb-code-item.ts';
import type { CodeTable } from './dynamodb-code-table.ts';

/**
 * A send done at most once, held by a lease while in flight: its status attribute is `SENDING` from the
 * claim (stamped `claimedAt`) until the sender marks it `SENT` or gives it back. A sender that died
 * leaves a claim that may be taken over once it is older than the lease.
 */
export interface Lease {
  /** Attribute holding `SENDING` or `SENT`, e.g. `emailStatus`. */
  readonly status: string;
  /** Attribute holding the epoch seconds of the claim. */
  readonly claimedAt: string;
  /** Attribute holding until when the claim holds the code (others wait for it), if anyone waits. */
  readonly leaseUntil?: string;
}

/** No resend of the current code may be on its way to SES (its email must carry a current code). */
export const NO_RESEND_IN_FLIGHT = '(attribute_not_exists(resendLeaseUntil) OR resendLeaseUntil <= :now)';
/** No code SMS is on its way: a reissue or revoke must not let it carry a code that is no longer current. */
export const NO_SMS_IN_FLIGHT = '(attribute_not_exists(smsLeaseUntil) OR smsLeaseUntil <= :now)';

/** A claim's moment and length, and what else must hold for it (`guard`, with its names and values). */
export interface LeaseClaim {
  readonly nowSeconds: number;
  readonly leaseSeconds: number;
  readonly guard: string;
  readonly names?: Record<string, string>;
  readonly values?: Item;
}

/** Claims `lease` while `guard` holds and no claim is in flight, or the one in flight is stale. */
export function claimLease(
  table: CodeTable,
  parcelId: string,
  lease: Lease,
  claim: LeaseClaim,
): Promise<ConditionalResult> {
  const { status, claimedAt, leaseUntil } = lease;
  return table.update(parcelId, {
    UpdateExpression: `SET ${status} = :sending, ${claimedAt} = :now${leaseUntil ? `, ${leaseUntil} = :leaseUntil` : ''}`,
    ConditionExpression:
      `${claim.guard} ` +
      `AND (attribute_not_exists(${status}) OR (${status} = :sending AND ${claimedAt} < :stale))`,
    ...(claim.names ? { ExpressionAttributeNames: claim.names } : {}),
    ExpressionAttributeValues: {
      ...claim.values,
      ':sending': s('SENDING'),
      ':now': n(claim.nowSeconds),
      ':stale': n(claim.nowSeconds - claim.leaseSeconds),
      ...(leaseUntil ? { ':leaseUntil': n(claim.nowSeconds + claim.leaseSeconds) } : {}),
    },
  });
}

/**
 * Gives a claim back so a retry can claim at once: only a claim still in flight (a sender that outlived
 * its lease must not wipe SENT), and only while `guard` holds (e.g. the claim's own issue).
 */
export async function releaseLease(
  table: CodeTable,
  parcelId: string,
  lease: Lease,
  guard?: { readonly condition: string; readonly values: Item },
): Promise<void> {
  const { status, claimedAt, leaseUntil } = lease;
  await table.update(parcelId, {
    UpdateExpression: `REMOVE ${status}, ${claimedAt}${leaseUntil ? `, ${leaseUntil}` : ''}`,
    ConditionExpression: `${guard ? `${guard.condition} AND ` : ''}${status} = :sending`,
    ExpressionAttributeValues: { ...guard?.values, ':sending': s('SENDING') },
  });
}
