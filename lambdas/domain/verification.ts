import { toEpochSeconds } from './expiry.ts';
import type { CodeHasher } from './otp-code.ts';
import type { Clock, CodeStore, VerifyAttempt, VerifyState, WrongCodeCount } from './otp-record.ts';

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
  | { readonly verified: true; readonly verifiedAt: Date }
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
 * Classifies why the verify condition failed, from what verify may read of the item (never a hash).
 * Order matters: a driver the parcel is not bound to gets NOT_ASSIGNED whether the parcel has a code, has
 * none or does not exist, so no driver can tell which parcels are high-value; only the bound driver learns
 * that there is no code. Expiry and revocation beat lock-out so the driver knows to stop. `OPEN` means
 * nothing read refuses the attempt: the code itself decides (a wrong code, or the one a reissue replaced).
 */
export function classifyRejection(
  state: VerifyState | undefined,
  attempt: VerifyAttempt,
): VerifyRejection | 'OPEN' {
  if (state?.driverId !== attempt.driverId) return 'NOT_ASSIGNED';
  if (!state.hasCode) return 'NOT_FOUND';
  if (state.status === 'VERIFIED') return 'ALREADY_VERIFIED';
  if (state.status === 'REVOKED') return 'REVOKED';
  if ((state.expiresAt ?? 0) <= attempt.nowSeconds) return 'EXPIRED';
  if (state.wrongAttempts >= attempt.maxWrongAttempts) return 'LOCKED';
  if (
    attempt.maxWrongAttemptsPerParcel !== undefined &&
    state.totalWrongAttempts >= attempt.maxWrongAttemptsPerParcel
  ) {
    return 'LOCKED';
  }
  return 'OPEN';
}

/** Tries left: the smaller of the code's and the parcel's remaining budget. */
const remaining = (counts: WrongCodeCount, deps: VerifyDeps): number =>
  Math.max(
    0,
    Math.min(
      deps.maxWrongAttempts - counts.wrongAttempts,
      (deps.maxWrongAttemptsPerParcel ?? Number.POSITIVE_INFINITY) - counts.totalWrongAttempts,
    ),
  );

/**
 * Verifies a driver's code without ever seeing a hash. Success is one conditional write that checks
 * hash, status, expiry, attempts and driver at once. On failure a read of the item's non-secret
 * attributes says why; an open code costs a second conditional write that counts a wrong code (bounded,
 * so concurrent wrong codes never exceed the limit) unless the code is the current or the replaced one.
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
  if (await deps.store.verify(attempt)) return { verified: true, verifiedAt };

  const state = await deps.store.verifyState(attempt.parcelId);
  const rejection = classifyRejection(state, attempt);
  if (rejection !== 'OPEN') return refusal(rejection, state, deps);

  const counted = await deps.store.recordWrongAttempt(attempt);
  if (counted) {
    const left = remaining(counted, deps);
    return { verified: false, rejection: left === 0 ? 'LOCKED' : 'WRONG_CODE', attemptsRemaining: left };
  }
  // Not counted: another write changed the item (report the state it left), or the code is the current
  // one (its verify raced a change that opened it: try once more) or the one a reissue replaced (revoked).
  const after = await deps.store.verifyState(attempt.parcelId);
  const now = classifyRejection(after, attempt);
  if (now !== 'OPEN') return refusal(now, after, deps);
  if (await deps.store.verify(attempt)) return { verified: true, verifiedAt };
  return { verified: false, rejection: 'REVOKED' };
}

function refusal(
  rejection: VerifyRejection,
  state: VerifyState | undefined,
  deps: VerifyDeps,
): VerifyOutcome {
  if ((rejection === 'WRONG_CODE' || rejection === 'LOCKED') && state) {
    return { verified: false, rejection, attemptsRemaining: remaining(state, deps) };
  }
  return { verified: false, rejection };
}
