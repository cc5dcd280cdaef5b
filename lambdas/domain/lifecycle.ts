import { randomUUID } from 'node:crypto';
import { deliveryWindowEnd } from './delivery-window.ts';
import { DeliveryDateOutOfRangeError, ResendInFlightError } from './errors.ts';
import { orderingTime } from './event-time.ts';
import type { DeliveryAttemptFailedDetail } from './events/route-events.ts';
import { toEpochSeconds } from './expiry.ts';
import type { IssuingKeys } from './issuing.ts';
import { encryptOtpCode, generateOtpCode } from './otp-code.ts';
import type { Clock, LifecycleOrder, LifecycleStore, OtpRecord, RecipientWriter } from './otp-record.ts';

/** What a lifecycle event did; the workflow branches on `outcome`. */
export type LifecycleOutcome =
  | {
      readonly outcome: 'REISSUED';
      readonly parcelId: string;
      readonly issueId: string;
      readonly validUntil: string;
    }
  | { readonly outcome: 'REVOKED'; readonly parcelId: string; readonly closed: boolean }
  | { readonly outcome: 'LOCKED'; readonly parcelId: string; readonly totalWrongAttempts: number }
  | {
      readonly outcome: 'IGNORED';
      readonly parcelId: string;
      readonly reason: 'NOT_FOUND' | 'VERIFIED' | 'CLOSED' | 'STALE';
    };

/** Dependencies of the lifecycle operations. */
export interface LifecycleDeps {
  readonly store: LifecycleStore;
  /** The recipient's table: a reissue extends its ttl, a closure deletes it. */
  readonly recipients: Pick<RecipientWriter, 'extendTtl' | 'delete'>;
  readonly keys: IssuingKeys;
  readonly clock: Clock;
  readonly retentionDays: number;
  readonly maxDaysAhead: number;
  /** Wrong codes across all of a parcel's codes after which no new code is issued. */
  readonly maxWrongAttemptsPerParcel: number;
}

const DAY_SECONDS = 86_400;

/**
 * A failed attempt with a next date gets a fresh code valid to the end of that day, also when the
 * retry is the same day (the previous one stops verifying at once, the failed driver is unbound, and a
 * fresh per-code limit applies); without one, the code is revoked. Past the parcel's cap of wrong codes
 * nothing is reissued: the parcel is locked for an operator. Every change is ordered by `failedAt`, the
 * failure's event time: an older or redelivered failure changes nothing.
 */
export async function handleDeliveryAttemptFailed(
  deps: LifecycleDeps,
  detail: DeliveryAttemptFailedDetail,
  failedAt: Date,
): Promise<LifecycleOutcome> {
  const order: LifecycleOrder = {
    // A failure stamped ahead of now would make every genuine later event look stale until that time.
    eventAt: orderingTime(failedAt, deps.clock.now()),
    // Names the event, not the recipient: a redelivery has the same time and the same key.
    eventKey: ['FAILED', detail.driverId, detail.reason, detail.nextAttemptDate ?? ''].join('|'),
  };
  if (!detail.nextAttemptDate) return revokeCode(deps, detail.parcelId, { close: false, order });
  return reissueCode(deps, detail.parcelId, detail.nextAttemptDate, order);
}

/**
 * Revokes the parcel's code; `close` (returned, cancelled) also bars any further code, whatever the
 * closure's time. With `order`, only if no later lifecycle event was applied. Waits (throws
 * {@link ResendInFlightError}) while a resend of the code is on its way.
 */
export async function revokeCode(
  deps: Pick<LifecycleDeps, 'store' | 'clock' | 'recipients'>,
  parcelId: string,
  { close, order }: { readonly close: boolean; readonly order?: LifecycleOrder },
): Promise<LifecycleOutcome> {
  const nowSeconds = toEpochSeconds(deps.clock.now());
  const result = await deps.store.revoke(parcelId, { nowSeconds, close, ...(order ? { order } : {}) });
  // A closed parcel gets no code ever again, so nobody needs its recipient: forget them now, not at TTL.
  if (result.ok && close) await deps.recipients.delete(parcelId);
  // A closure before any code exists only bars the code: there is nothing revoked to announce.
  if (result.ok) {
    return result.record.issueId
      ? { outcome: 'REVOKED', parcelId, closed: close }
      : { outcome: 'IGNORED', parcelId, reason: 'NOT_FOUND' };
  }
  const current = result.current;
  if (!current) return { outcome: 'IGNORED', parcelId, reason: 'NOT_FOUND' };
  if (current.status === 'VERIFIED') return { outcome: 'IGNORED', parcelId, reason: 'VERIFIED' };
  // Returned or cancelled: a failed attempt changes nothing any more (a closure may close again).
  if (!close && current.closedAt !== undefined) return { outcome: 'IGNORED', parcelId, reason: 'CLOSED' };
  if (order && !newerThanLastLifecycle(current, order)) return alreadyApplied(current, order);
  throw resendInFlight(parcelId);
}

/** Whether `order` comes after the last lifecycle event applied to `record` (and is not that event). */
function newerThanLastLifecycle(record: OtpRecord, order: LifecycleOrder): boolean {
  const last = record.lastLifecycleAt;
  return (
    last === undefined ||
    last < order.eventAt ||
    (last === order.eventAt && record.lastLifecycleEvent !== order.eventKey)
  );
}

const resendInFlight = (parcelId: string) =>
  new ResendInFlightError(`A resend or SMS of parcel ${parcelId}'s code is in flight; retry after its lease`);

async function reissueCode(
  deps: LifecycleDeps,
  parcelId: string,
  nextAttemptDate: string,
  order: LifecycleOrder,
): Promise<LifecycleOutcome> {
  const record = await deps.store.get(parcelId);
  if (!record) return { outcome: 'IGNORED', parcelId, reason: 'NOT_FOUND' };
  if (record.status === 'VERIFIED') return { outcome: 'IGNORED', parcelId, reason: 'VERIFIED' };
  if (record.closedAt !== undefined) return { outcome: 'IGNORED', parcelId, reason: 'CLOSED' };
  if (!newerThanLastLifecycle(record, order)) return alreadyApplied(record, order, nextAttemptDate);
  if (record.totalWrongAttempts >= deps.maxWrongAttemptsPerParcel) {
    const revoked = await revokeCode(deps, parcelId, { close: false, order });
    if (revoked.outcome !== 'REVOKED') return revoked;
    return { outcome: 'LOCKED', parcelId, totalWrongAttempts: record.totalWrongAttempts };
  }

  const now = deps.clock.now();
  let validUntil: Date;
  try {
    validUntil = deliveryWindowEnd(
      nextAttemptDate,
      record.timeZone,
      now,
      deps.maxDaysAhead,
      'detail.nextAttemptDate',
    );
  } catch (error) {
    // No new code for an impossible date, but the failed attempt's code must still stop verifying.
    if (!(error instanceof DeliveryDateOutOfRangeError)) throw error;
    return revokeCode(deps, parcelId, { close: false, order });
  }
  const issueId = randomUUID();
  const code = generateOtpCode();
  const expiresAt = toEpochSeconds(validUntil);
  const nowSeconds = toEpochSeconds(now);
  const fields = {
    issueId,
    codeHash: await deps.keys.codeHasher.hash(parcelId, code),
    codeCiphertext: encryptOtpCode(deps.keys.encryptionKey, parcelId, issueId, code),
    expiresAt,
    ttl: expiresAt + deps.retentionDays * DAY_SECONDS,
    issuedAt: nowSeconds,
    deliveryDate: nextAttemptDate,
  };
  // A binding newer than the failure belongs to the next attempt (its Out For Delivery came first): keep
  // it. Any other binding (the failed driver's own, or an older one) is dropped.
  const write = (seen: OtpRecord) =>
    deps.store.reissue(parcelId, {
      expectedIssueId: seen.issueId,
      fields,
      maxWrongPerParcel: deps.maxWrongAttemptsPerParcel,
      order: {
        ...order,
        nowSeconds,
        ...(seen.boundAt !== undefined && seen.boundAt > order.eventAt
          ? { keepBindingAt: seen.boundAt }
          : {}),
      },
    });
  // The recipient must outlive the new code: extend first, so a crash before the reissue only keeps it longer.
  await deps.recipients.extendTtl(parcelId, fields.ttl);
  let result = await write(record);
  if (!result.ok && result.current?.issueId === record.issueId && result.current.boundAt !== record.boundAt) {
    // Only the binding moved between our read and our write: decide again on what is there now.
    result = await write(result.current);
  }
  if (result.ok) return reissued(parcelId, issueId, expiresAt);
  const current = result.current;
  if (current?.status === 'VERIFIED') return { outcome: 'IGNORED', parcelId, reason: 'VERIFIED' };
  if (current?.closedAt !== undefined) return { outcome: 'IGNORED', parcelId, reason: 'CLOSED' };
  // A concurrent duplicate or a newer event won the race.
  if (current && !newerThanLastLifecycle(current, order))
    return alreadyApplied(current, order, nextAttemptDate);
  if (current && current.totalWrongAttempts >= deps.maxWrongAttemptsPerParcel) {
    return { outcome: 'LOCKED', parcelId, totalWrongAttempts: current.totalWrongAttempts };
  }
  const sendInFlight =
    (current?.resendLeaseUntil ?? 0) > nowSeconds || (current?.smsLeaseUntil ?? 0) > nowSeconds;
  if (current && current.issueId === record.issueId && sendInFlight) throw resendInFlight(parcelId);
  return { outcome: 'IGNORED', parcelId, reason: 'STALE' };
}

/**
 * The record has already seen this event or a later one. If this very event is what the record still
 * shows, report what it did again: its reissued code (the send step is idempotent, one email), or its
 * revocation (a redelivery whose first run died before emitting still announces it). Otherwise STALE.
 */
function alreadyApplied(
  record: OtpRecord,
  order: LifecycleOrder,
  nextAttemptDate?: string,
): LifecycleOutcome {
  const sameEvent = record.lastLifecycleAt === order.eventAt && record.lastLifecycleEvent === order.eventKey;
  const { parcelId } = record;
  if (sameEvent && record.status === 'ISSUED' && record.deliveryDate === nextAttemptDate) {
    return reissued(parcelId, record.issueId, record.expiresAt);
  }
  if (sameEvent && record.status === 'REVOKED' && record.closedAt === undefined) {
    return { outcome: 'REVOKED', parcelId, closed: false };
  }
  return { outcome: 'IGNORED', parcelId, reason: 'STALE' };
}

const reissued = (parcelId: string, issueId: string, expiresAt: number): LifecycleOutcome => ({
  outcome: 'REISSUED',
  parcelId,
  issueId,
  validUntil: new Date(expiresAt * 1000).toISOString(),
});
