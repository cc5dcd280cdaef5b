/** The product's settings for the generic emulators (everything here names Secure Delivery's own things). */
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import type { SignInSubject } from '../emulators/http-api/jwt-issuer.ts';
import type { OidcProviderSettings } from '../emulators/start-oidc.ts';

/**
 * Drivers sign in to the sandbox's user pool by driver ID (`POST /token {"driverId":"D-DEMO"}`, the sign-in
 * page): the pool's user of that name has a generated `sub` and the carrier's id in `custom:driver_id`, which
 * the pool's token trigger copies into the access token. The page suggests the driver `npm run demo` and
 * `npm run ship` give their parcels to.
 */
export const DRIVER_SIGN_IN: SignInSubject = {
  field: 'driverId',
  label: 'Driver ID',
  example: 'D-DEMO',
  attribute: ENVIRONMENT.DRIVER_ID_ATTRIBUTE.default,
};

/**
 * Every sandbox driver's password, for the handheld's SRP sign-in (`InitiateAuth` `USER_SRP_AUTH`, as the
 * carrier's handheld signs in); the sandbox asks no second factor.
 */
export const SANDBOX_DRIVER_PASSWORD = 'Sandbox-Driver-1!';

/** Detail fields the bus names in its log line for each event (`parcel=P-1`), so a parcel's events can be followed. */
export const EVENT_LOG_FIELDS: Readonly<Record<string, string>> = {
  parcelId: 'parcel',
  // Why a carrier event was refused (Parcel Event Refused), and which field: codes only, never a value.
  reason: 'reason',
  field: 'field',
};

/**
 * The sandbox's OIDC mode (`npm start -- --drivers oidc`): the stack is synthesized with
 * `DriverIdentity.oidc` naming this provider, and a local generic OpenID Connect provider stands in for its
 * issuer, set up as a carrier would set up theirs: an API audience, a verify scope, the carrier's driver id
 * in a claim of its own (not `sub`), and a public client for the driver app.
 */
export const SANDBOX_OIDC_DRIVERS = {
  issuer: 'https://login.carrier.example/drivers',
  audience: ['api://secure-delivery'],
  scope: 'handover.verify',
  driverIdClaim: 'employee_id',
  webClientId: 'driver-web-app',
} as const;

/** Drivers sign in to the sandbox's OIDC provider by driver ID; it goes into the provider's driver-id claim. */
export const OIDC_DRIVER_SIGN_IN: SignInSubject = {
  ...DRIVER_SIGN_IN,
  attribute: SANDBOX_OIDC_DRIVERS.driverIdClaim,
};

/** What the emulators start for the OIDC mode: the provider the template's JWT authorizer names. */
export const SANDBOX_OIDC_PROVIDER: OidcProviderSettings = {
  issuer: SANDBOX_OIDC_DRIVERS.issuer,
  audience: SANDBOX_OIDC_DRIVERS.audience[0],
  clients: [{ clientId: SANDBOX_OIDC_DRIVERS.webClientId, scopes: ['openid', SANDBOX_OIDC_DRIVERS.scope] }],
  signInSubject: OIDC_DRIVER_SIGN_IN,
  directTokenScopes: [SANDBOX_OIDC_DRIVERS.scope],
};
