import { toEpochSeconds } from './expiry.ts';
import { type CodeHasher, digestsEqual } from './otp-code.ts';
import type { Clock, CodeStore, OtpRecord, VerifyAttempt } from './otp-record.ts';

/** Why a verify attempt was refused; the HTTP handler maps each to a status code. */
export type VerifyRejection =
  | 'NOT_ASSIGNED'
  | 'NOT_FOUND'
  | 'ALREADY_VERIFIED'
  | 'EXPIRED'
  | 'REVOKED'
  | 'LOCKED'
  | 'WRONG_CODE';

/** Outcome of {@link verifyHandover}. `attemptsRemaining` accompanies WRONG_CODE and LOCKED. */
export type VerifyOutcome =
  | { readonly verified: true; readonly record: OtpRecord; readonly verifiedAt: Date }
  | { readonly verified: false; readonly rejection: VerifyRejection; readonly attemptsRemaining?: number };

/** Dependencies of {@link verifyHandover}. */
export interface VerifyDeps {
  readonly store: CodeStore;
  readonly codeHasher: CodeHasher;
  readonly clock: Clock;
  /** Wrong codes after which a code is dead. */
  readonly maxWrongAttempts: number;
  /** Wrong codes across all of a parcel's codes after which none verifies; unchecked when omitted. */
  readonly maxWrongAttemptsPerParcel?: number;
}

/**
 * Classifies why the verify condition failed, from the item as it was. Order matters: a driver the parcel
 * is not bound to gets NOT_ASSIGNED whether the parcel has a code, has none or does not exist, so no
 * driver can tell which parcels are high-value; only the bound driver learns that there is no code.
 * Expiry and revocation beat lock-out so the driver knows to stop. `CODE_MATCHES` means nothing in the
 * image refuses the attempt (a concurrent write changed it).
 * @param placeholderDriverId the driver an item without a code is bound to, if any
 */
export function classifyRejection(
  record: OtpRecord | undefined,
  attempt: VerifyAttempt,
  placeholderDriverId?: string,
): VerifyRejection | 'CODE_MATCHES' {
  if ((record ? record.driverId : placeholderDriverId) !== attempt.driverId) return 'NOT_ASSIGNED';
  if (!record) return 'NOT_FOUND';
  if (record.status === 'VERIFIED') return 'ALREADY_VERIFIED';
  if (record.status === 'REVOKED') return 'REVOKED';
  if (record.expiresAt <= attempt.nowSeconds) return 'EXPIRED';
  if (record.wrongAttempts >= attempt.maxWrongAttempts) return 'LOCKED';
  if (
    attempt.maxWrongAttemptsPerParcel !== undefined &&
    record.totalWrongAttempts >= attempt.maxWrongAttemptsPerParcel
  ) {
    return 'LOCKED';
  }
  // Constant-time: the stored hash must not leak through how long the comparison takes.
  if (digestsEqual(record.codeHash, attempt.codeHash)) return 'CODE_MATCHES';
  // A code a reissue replaced is refused as revoked, and not counted as a guess.
  if (record.previousCodeHash !== undefined && digestsEqual(record.previousCodeHash, attempt.codeHash))
    return 'REVOKED';
  return 'WRONG_CODE';
}

/** Tries left: the smaller of the code's and the parcel's remaining budget. */
const remaining = (record: OtpRecord, deps: VerifyDeps): number =>
  Math.max(
    0,
    Math.min(
      deps.maxWrongAttempts - record.wrongAttempts,
      (deps.maxWrongAttemptsPerParcel ?? Number.POSITIVE_INFINITY) - record.totalWrongAttempts,
    ),
  );

/**
 * Verifies a driver's code. Success is one conditional write that checks hash, status, expiry, attempts
 * and driver at once. On failure the write's old image says why; only a wrong code costs a second,
 * conditional write that counts it, bounded so concurrent wrong codes can never exceed the limit.
 */
export async function verifyHandover(
  deps: VerifyDeps,
  input: { parcelId: string; driverId: string; code: string },
): Promise<VerifyOutcome> {
  const verifiedAt = deps.clock.now();
  const attempt: VerifyAttempt = {
    parcelId: input.parcelId,
    driverId: input.driverId,
    codeHash: await deps.codeHasher.hash(input.parcelId, input.code),
    nowSeconds: toEpochSeconds(verifiedAt),
    nowIso: verifiedAt.toISOString(),
    maxWrongAttempts: deps.maxWrongAttempts,
    ...(deps.maxWrongAttemptsPerParcel === undefined
      ? {}
      : { maxWrongAttemptsPerParcel: deps.maxWrongAttemptsPerParcel }),
  };
  const verify = await deps.store.verify(attempt);
  if (verify.ok) return { verified: true, record: verify.record, verifiedAt };

  const rejection = classifyRejection(verify.current, attempt, verify.placeholderDriverId);
  if (rejection !== 'WRONG_CODE' && rejection !== 'CODE_MATCHES')
    return refusal(rejection, verify.current, deps);
  if (rejection === 'CODE_MATCHES' || !verify.current) {
    // DynamoDB returns the very item its condition refused, so this means a malformed record: fail loudly
    // (500, alarmed) rather than answer a right code with "wrong code".
    throw new Error('Verify condition failed on a record that satisfies it');
  }

  const counted = await deps.store.recordWrongAttempt(attempt, verify.current.codeHash);
  if (counted.ok) {
    const left = remaining(counted.record, deps);
    return { verified: false, rejection: left === 0 ? 'LOCKED' : 'WRONG_CODE', attemptsRemaining: left };
  }
  // Someone else's write won the race (another wrong code, a verify, a reissue): report the state it left.
  const after = classifyRejection(counted.current, attempt, counted.placeholderDriverId);
  return refusal(after === 'CODE_MATCHES' ? 'WRONG_CODE' : after, counted.current, deps);
}

function refusal(rejection: VerifyRejection, record: OtpRecord | undefined, deps: VerifyDeps): VerifyOutcome {
  if ((rejection === 'WRONG_CODE' || rejection === 'LOCKED') && record) {
    return { verified: false, rejection, attemptsRemaining: remaining(record, deps) };
  }
  return { verified: false, rejection };
}
