import type { AssignmentResult } from './assignment.ts';
import { DeliveryDateOutOfRangeError, InvalidParcelEventError, ParcelClosedError } from './errors.ts';
import { CARRIER_EVENT_TYPES, DetailType, type RefusalReason } from './events/detail-types.ts';
import {
  EVENT_ID_PATTERN,
  FIELD_PATH_PATTERN,
  type ParcelEventRefusedDetail,
} from './events/refusal-events.ts';
import { PARCEL_ID_PATTERN } from './identifiers.ts';
import type { LifecycleOutcome } from './lifecycle.ts';

/**
 * A refused carrier event: the `Parcel Event Refused` detail the workflow (or the function) puts on the
 * bus, and, for a malformed event, the typed error and message the execution then fails with.
 */
export interface Refusal {
  readonly detail: ParcelEventRefusedDetail;
  /** The typed error's name (`InvalidParcelEventError`, `DeliveryDateOutOfRangeError`), for a malformed event. */
  readonly error?: string;
  /** Its message, naming the field; never in the event, only in the failed execution. */
  readonly cause?: string;
}

/** What a step answers for a refused event: the workflows branch on `outcome`. */
export interface RefusedOutcome {
  readonly outcome: 'REFUSED';
  readonly refusal: Refusal;
}

/** The envelope fields a refusal names, when they are what EventBridge and the contract allow. */
function refusedEvent(
  event: unknown,
): Pick<ParcelEventRefusedDetail, 'refusedDetailType' | 'eventId' | 'parcelId'> | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { id, detail } = event as { id?: unknown; detail?: { parcelId?: unknown } };
  const detailType = (event as { 'detail-type'?: unknown })['detail-type'];
  const refusedDetailType = CARRIER_EVENT_TYPES.find((type) => type === detailType);
  if (!refusedDetailType || typeof id !== 'string' || !EVENT_ID_PATTERN.test(id)) return undefined;
  // The parcel id only when it is one: anything else the carrier put there (an address) stays off the bus.
  const parcelId = typeof detail === 'object' && detail !== null ? detail.parcelId : undefined;
  return {
    refusedDetailType,
    eventId: id,
    ...(typeof parcelId === 'string' && PARCEL_ID_PATTERN.test(parcelId) ? { parcelId } : {}),
  };
}

/** The refusal of `event` for `reason`; undefined when the event is not a carrier event from the bus. */
export function refusalOf(
  event: unknown,
  reason: RefusalReason,
  failure?: { readonly field: string; readonly error: Error },
): Refusal | undefined {
  const refused = refusedEvent(event);
  if (!refused) return undefined;
  const field = failure && FIELD_PATH_PATTERN.test(failure.field) ? { field: failure.field } : {};
  return {
    detail: { ...refused, reason, ...field },
    ...(failure ? { error: failure.error.name, cause: failure.error.message } : {}),
  };
}

/**
 * The refusal a typed error stands for: a malformed event or time, a delivery day out of range (the
 * execution then fails with the error), a parcel closed before its code. Undefined for any other error.
 */
export function refusalOfError(event: unknown, error: unknown): Refusal | undefined {
  if (error instanceof InvalidParcelEventError || error instanceof DeliveryDateOutOfRangeError)
    return refusalOf(event, error.code, { field: error.field, error });
  if (error instanceof ParcelClosedError) return refusalOf(event, 'PARCEL_CLOSED');
  return undefined;
}

/** Why a lifecycle event changed nothing, as a refusal; a stale or already applied event is none. */
const REFUSED_WHEN_IGNORED: Readonly<Record<string, RefusalReason | undefined>> = {
  NOT_FOUND: 'PARCEL_UNKNOWN',
  VERIFIED: 'PARCEL_HANDED_OVER',
  CLOSED: 'PARCEL_CLOSED',
  STALE: undefined,
};

/**
 * The refusal a lifecycle outcome stands for: the parcel has no code (a failure for it), was handed over or
 * closed. A closure of a parcel without a code is kept (it bars a later code), so it is no refusal.
 */
export function refusalOfOutcome(event: unknown, outcome: LifecycleOutcome): Refusal | undefined {
  if (outcome.outcome !== 'IGNORED') return undefined;
  const reason = REFUSED_WHEN_IGNORED[outcome.reason];
  const detailType = (event as { 'detail-type'?: unknown } | undefined)?.['detail-type'];
  if (!reason || (reason === 'PARCEL_UNKNOWN' && detailType !== DetailType.DeliveryAttemptFailed))
    return undefined;
  return refusalOf(event, reason);
}

/** Why a binding was refused, as a refusal; an Out For Delivery older than the binding is none. */
const REFUSED_BINDING: Readonly<Record<string, RefusalReason | undefined>> = {
  CLOSED: 'PARCEL_CLOSED',
  VERIFIED: 'PARCEL_HANDED_OVER',
  REVOKED: 'CODE_REVOKED',
  STALE: undefined,
};

/** The refusal an Out For Delivery's result stands for: the parcel was closed, handed over or its code revoked. */
export function refusalOfAssignment(event: unknown, result: AssignmentResult): Refusal | undefined {
  const reason = result.refusedBecause ? REFUSED_BINDING[result.refusedBecause] : undefined;
  return reason ? refusalOf(event, reason) : undefined;
}
