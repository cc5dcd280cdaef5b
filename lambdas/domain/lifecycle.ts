import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { deliveryWindowEnd } from './delivery-window.ts';
import { DeliveryDateOutOfRangeError } from './errors.ts';
import { toEpochSeconds } from './expiry.ts';
import type { IssuingKeys } from './issuing.ts';
import { encryptOtpCode, generateOtpCode } from './otp-code.ts';
import type { Clock, LifecycleStore, OtpRecord } from './otp-record.ts';
import { CalendarDateSchema, DriverIdSchema, ParcelIdSchema } from './parcel-events.ts';

/** Detail of `Delivery Attempt Failed`. */
export const DeliveryAttemptFailedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  driverId: DriverIdSchema,
  reason: z.enum(['NOBODY_HOME', 'OTP_NOT_AVAILABLE', 'OTP_LOCKED', 'REFUSED', 'OTHER']),
  nextAttemptDate: z.optional(CalendarDateSchema),
});
export type DeliveryAttemptFailedDetail = z.infer<typeof DeliveryAttemptFailedDetailSchema>;

/** Detail of `Parcel Returned` and `Shipment Cancelled`. */
export const ParcelClosedDetailSchema = z.object({ parcelId: ParcelIdSchema });

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
  readonly keys: IssuingKeys;
  readonly clock: Clock;
  readonly retentionDays: number;
  readonly maxDaysAhead: number;
  /** Wrong codes across all of a parcel's codes after which no new code is issued. */
  readonly maxWrongAttemptsPerParcel: number;
}

const DAY_SECONDS = 86_400;

/**
 * A failed attempt with a next date gets a fresh code valid to the end of that day (the previous one
 * stops verifying at once, and a fresh per-code limit applies); without one, the code is revoked. Past
 * the parcel's cap of wrong codes nothing is reissued: the parcel is locked for an operator.
 */
export async function handleDeliveryAttemptFailed(
  deps: LifecycleDeps,
  detail: DeliveryAttemptFailedDetail,
  failedAt: Date,
): Promise<LifecycleOutcome> {
  if (!detail.nextAttemptDate) return revokeCode(deps, detail.parcelId, false);
  return reissueCode(deps, detail.parcelId, detail.nextAttemptDate, toEpochSeconds(failedAt));
}

/** Revokes the parcel's code; `close` (returned, cancelled) also bars any further code. */
export async function revokeCode(
  deps: Pick<LifecycleDeps, 'store' | 'clock'>,
  parcelId: string,
  close: boolean,
): Promise<LifecycleOutcome> {
  const result = await deps.store.revoke(parcelId, toEpochSeconds(deps.clock.now()), close);
  // A closure before any code exists only bars the code: there is nothing revoked to announce.
  if (result.ok) {
    return result.record.issueId
      ? { outcome: 'REVOKED', parcelId, closed: close }
      : { outcome: 'IGNORED', parcelId, reason: 'NOT_FOUND' };
  }
  return { outcome: 'IGNORED', parcelId, reason: result.current ? 'VERIFIED' : 'NOT_FOUND' };
}

async function reissueCode(
  deps: LifecycleDeps,
  parcelId: string,
  nextAttemptDate: string,
  failedAtSeconds: number,
): Promise<LifecycleOutcome> {
  const record = await deps.store.get(parcelId);
  if (!record) return { outcome: 'IGNORED', parcelId, reason: 'NOT_FOUND' };
  if (record.status === 'VERIFIED') return { outcome: 'IGNORED', parcelId, reason: 'VERIFIED' };
  if (record.closedAt !== undefined) return { outcome: 'IGNORED', parcelId, reason: 'CLOSED' };
  if (record.deliveryDate === nextAttemptDate && record.status === 'ISSUED') {
    // The same event again (at-least-once): the code it issued stands; the send step is idempotent.
    return reissued(parcelId, record.issueId, record.expiresAt);
  }
  if (record.deliveryDate >= nextAttemptDate) return { outcome: 'IGNORED', parcelId, reason: 'STALE' };
  if (record.totalWrongAttempts >= deps.maxWrongAttemptsPerParcel) {
    await deps.store.revoke(parcelId, toEpochSeconds(deps.clock.now()), false);
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
    return revokeCode(deps, parcelId, false);
  }
  const issueId = randomUUID();
  const code = generateOtpCode();
  const expiresAt = toEpochSeconds(validUntil);
  const fields = {
    issueId,
    codeHash: await deps.keys.codeHasher.hash(parcelId, code),
    codeCiphertext: encryptOtpCode(deps.keys.encryptionKey, parcelId, issueId, code),
    expiresAt,
    ttl: expiresAt + deps.retentionDays * DAY_SECONDS,
    issuedAt: toEpochSeconds(now),
    deliveryDate: nextAttemptDate,
  };
  // A binding newer than the failure belongs to the next attempt (its Out For Delivery came first): keep it.
  const write = (seen: OtpRecord) =>
    deps.store.reissue(parcelId, seen.issueId, fields, deps.maxWrongAttemptsPerParcel, {
      unboundAt: failedAtSeconds,
      ...(seen.boundAt !== undefined && seen.boundAt > failedAtSeconds
        ? { keepBindingAt: seen.boundAt }
        : {}),
    });
  let result = await write(record);
  if (!result.ok && result.current?.issueId === record.issueId && result.current.boundAt !== record.boundAt) {
    // Only the binding moved between our read and our write: decide again on what is there now.
    result = await write(result.current);
  }
  if (result.ok) return reissued(parcelId, issueId, expiresAt);
  const current = result.current;
  // A concurrent duplicate won the race: report its code, so this run's send step stays idempotent.
  if (current?.deliveryDate === nextAttemptDate && current.status === 'ISSUED') {
    return reissued(parcelId, current.issueId, current.expiresAt);
  }
  if (current && current.totalWrongAttempts >= deps.maxWrongAttemptsPerParcel) {
    return { outcome: 'LOCKED', parcelId, totalWrongAttempts: current.totalWrongAttempts };
  }
  return { outcome: 'IGNORED', parcelId, reason: current?.status === 'VERIFIED' ? 'VERIFIED' : 'STALE' };
}

const reissued = (parcelId: string, issueId: string, expiresAt: number): LifecycleOutcome => ({
  outcome: 'REISSUED',
  parcelId,
  issueId,
  validUntil: new Date(expiresAt * 1000).toISOString(),
});
