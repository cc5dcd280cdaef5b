import type { ParcelOutForDeliveryDetail } from './events/carrier-events.ts';
import type { Clock, CodeStore } from './otp-record.ts';

/** Result of binding a parcel's code to the driver taking it out. */
export interface AssignmentResult {
  readonly parcelId: string;
  /** WAITING_FOR_CODE: no code yet (not issued yet, or low value); REFUSED: verified, revoked or stale event. */
  readonly outcome: 'BOUND' | 'WAITING_FOR_CODE' | 'REFUSED';
}

/** How long an early binding waits for its code; counted from now, not from the event's own time. */
export const WAITING_BINDING_TTL_SECONDS = 14 * 86_400;

/**
 * Binds the parcel's open code to the driver now carrying it. A later Out For Delivery (the parcel was
 * moved to another route) rebinds it: only the latest driver may verify.
 */
export async function assignDriver(
  deps: { readonly store: CodeStore; readonly clock: Clock },
  detail: ParcelOutForDeliveryDetail,
  eventTime: Date,
): Promise<AssignmentResult> {
  const outcome = await deps.store.assignDriver(
    detail.parcelId,
    detail.driverId,
    Math.floor(eventTime.getTime() / 1000),
    Math.floor(deps.clock.now().getTime() / 1000) + WAITING_BINDING_TTL_SECONDS,
  );
  return { parcelId: detail.parcelId, outcome };
}
