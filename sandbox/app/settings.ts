/** The product's settings for the generic emulators (everything here names Secure Delivery's own things). */
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import type { SignInSubject } from '../emulators/http-api/jwt-issuer.ts';

/**
 * Drivers sign in to the sandbox's user pool by driver ID (`POST /token {"driverId":"D-1"}`, the sign-in
 * page): the pool's user of that name has a generated `sub` and the carrier's id in `custom:driver_id`, which
 * the pool's token trigger copies into the access token.
 */
export const DRIVER_SIGN_IN: SignInSubject = {
  field: 'driverId',
  label: 'Driver ID',
  example: 'D-1',
  attribute: ENVIRONMENT.DRIVER_ID_ATTRIBUTE.default,
};

/** Detail fields the bus names in its log line for each event (`parcel=P-1`), so a parcel's events can be followed. */
export const EVENT_LOG_FIELDS: Readonly<Record<string, string>> = {
  parcelId: 'parcel',
  // Why a carrier event was refused (Parcel Event Refused), and which field: codes only, never a value.
  reason: 'reason',
  field: 'field',
};
