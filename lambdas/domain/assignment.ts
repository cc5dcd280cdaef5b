import type { OtpStore } from './otp-record.ts';
import type { ParcelOutForDeliveryDetail } from './parcel-events.ts';

/** Result of binding a parcel's code to the driver taking it out. */
export interface AssignmentResult {
  readonly parcelId: string;
  /** False when the parcel has no open code (low value, verified, revoked) or the event is stale. */
  readonly bound: boolean;
}

/**
 * Binds the parcel's open code to the driver now carrying it. A later Out For Delivery (the parcel was
 * moved to another route) rebinds it: only the latest driver may verify.
 */
export async function assignDriver(
  deps: { readonly store: OtpStore },
  detail: ParcelOutForDeliveryDetail,
  eventTime: Date,
): Promise<AssignmentResult> {
  const bound = await deps.store.assignDriver(
    detail.parcelId,
    detail.driverId,
    Math.floor(eventTime.getTime() / 1000),
  );
  return { parcelId: detail.parcelId, bound };
}
