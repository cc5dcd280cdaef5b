import type { BindingOutcome } from './binding.ts';
import { orderingTime } from './event-time.ts';
import type { ParcelOutForDeliveryDetail } from './events/route-events.ts';
import type { Clock, CodeStore } from './otp-record.ts';

/** Result of binding a parcel's code to the driver taking it out. */
export interface AssignmentResult {
  readonly parcelId: string;
  /** WAITING_FOR_CODE: no code yet (not issued yet, or low value); REFUSED: see `refusedBecause`. */
  readonly outcome: 'BOUND' | 'WAITING_FOR_CODE' | 'REFUSED';
  /** Why not: the parcel was closed, handed over, its code revoked, or the event older than the binding. */
  readonly refusedBecause?: Exclude<BindingOutcome, 'BOUND' | 'WAITING_FOR_CODE'>;
}

/** How long an early binding waits for its code; counted from now, not from the event's own time. */
export const WAITING_BINDING_TTL_SECONDS = 14 * 86_400;

/**
 * Binds the parcel's open code to the driver now carrying it. A later Out For Delivery (the parcel was
 * moved to another route) rebinds it: only the latest driver may verify. One stamped more than five
 * minutes ahead is refused (`InvalidParcelEventError`, field `time`): it would pin the binding until then.
 */
export async function assignDriver(
  deps: { readonly store: CodeStore; readonly clock: Clock },
  detail: ParcelOutForDeliveryDetail,
  eventTime: Date,
): Promise<AssignmentResult> {
  const now = deps.clock.now();
  const outcome = await deps.store.assignDriver(
    detail.parcelId,
    detail.driverId,
    orderingTime(eventTime, now),
    Math.floor(now.getTime() / 1000) + WAITING_BINDING_TTL_SECONDS,
  );
  if (outcome === 'BOUND' || outcome === 'WAITING_FOR_CODE') return { parcelId: detail.parcelId, outcome };
  return { parcelId: detail.parcelId, outcome: 'REFUSED', refusedBecause: outcome };
}
