// Free of zod: lib/, the publisher and the HTTP handlers' shared modules import these names (cold start).

/** Detail types this product consumes and emits on its bus. */
export const DetailType = {
  ParcelShipped: 'Parcel Shipped',
  ParcelOutForDelivery: 'Parcel Out For Delivery',
  DeliveryAttemptFailed: 'Delivery Attempt Failed',
  ParcelReturned: 'Parcel Returned',
  ShipmentCancelled: 'Shipment Cancelled',
  OtpIssued: 'Delivery Otp Issued',
  OtpReissued: 'Delivery Otp Reissued',
  OtpRevoked: 'Delivery Otp Revoked',
  OtpLocked: 'Delivery Otp Locked',
  OtpNotRequired: 'Delivery Otp Not Required',
  OtpEmailFailed: 'Delivery Otp Email Failed',
  OtpUndeliverable: 'Delivery Otp Undeliverable',
  HandoverVerified: 'Parcel Handover Verified',
  ParcelEventRefused: 'Parcel Event Refused',
} as const;

/**
 * Why a carrier event was refused (`Parcel Event Refused`'s `reason`), a closed list: a field is malformed
 * (`INVALID_FIELD`), the delivery day is over or too far ahead, the event is stamped more than five
 * minutes ahead of our clock, the parcel has no code, was returned or cancelled, was handed over, or its
 * code was revoked.
 */
export const REFUSAL_REASONS = [
  'INVALID_FIELD',
  'DELIVERY_DATE_OVER',
  'DELIVERY_DATE_TOO_FAR_AHEAD',
  'EVENT_TIME_IN_FUTURE',
  'PARCEL_UNKNOWN',
  'PARCEL_CLOSED',
  'PARCEL_HANDED_OVER',
  'CODE_REVOKED',
] as const;
/** A reason code of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The detail-types carriers publish (and this product may refuse). */
export const CARRIER_EVENT_TYPES = [
  DetailType.ParcelShipped,
  DetailType.ParcelOutForDelivery,
  DetailType.DeliveryAttemptFailed,
  DetailType.ParcelReturned,
  DetailType.ShipmentCancelled,
] as const;

/**
 * SES's EventBridge detail-types that change a code email's status after it was sent (`Email Sent` is
 * not routed: the sender records SENT with the message id, so that event would only cost an invocation).
 */
export const SesDetailType = {
  EmailDelivered: 'Email Delivered',
  EmailDeliveryDelayed: 'Email Delivery Delayed',
  EmailBounced: 'Email Bounced',
  EmailComplaintReceived: 'Email Complaint Received',
  EmailRejected: 'Email Rejected',
} as const;

/**
 * Who puts an event on a bus: the carriers (`source` from context `secureDelivery:eventSource`), this
 * product (`source` `secure-delivery`), or SES (`aws.ses`, on the account's default bus).
 */
export type EventPublisherRole = 'carrier' | 'product' | 'ses';

/** The `source` each publisher uses unless the stack is configured otherwise. */
export const DEFAULT_EVENT_SOURCES: Readonly<Record<EventPublisherRole, string>> = {
  carrier: 'carrier.dispatch',
  product: 'secure-delivery',
  ses: 'aws.ses',
};
