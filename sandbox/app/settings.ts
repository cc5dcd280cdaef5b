/** The product's settings for the generic emulators (everything here names Secure Delivery's own things). */
import type { SignInSubject } from '../emulators/http-api/jwt-issuer.ts';

/**
 * Drivers sign in to the sandbox's user pool by driver ID (`POST /token {"driverId":"D-DEMO"}`, the sign-in
 * page). The page suggests the driver `npm run demo` and `npm run ship` give their parcels to.
 */
export const DRIVER_SIGN_IN: SignInSubject = { field: 'driverId', label: 'Driver ID', example: 'D-DEMO' };

/** Detail fields the bus names in its log line for each event (`parcel=P-1`), so a parcel's events can be followed. */
export const EVENT_LOG_FIELDS: Readonly<Record<string, string>> = { parcelId: 'parcel' };
