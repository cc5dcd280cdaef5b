// The package's one public entry: the construct, its driver identities, and their props and settings types.
export { DEFAULT_SETTINGS, type SecureDeliverySettings } from './config.ts';
export {
  type CognitoDriverIdentityOptions,
  DriverIdentity,
  type OidcDriverIdentityOptions,
} from './driver-identity.ts';
export { SES_STATUS_EVENTS } from './mail.ts';
export {
  SecureDelivery,
  type SecureDeliveryMailProps,
  type SecureDeliveryProps,
  type SecureDeliverySmsProps,
} from './secure-delivery.ts';
