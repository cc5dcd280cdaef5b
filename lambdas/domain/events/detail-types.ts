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
} as const;

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
