// Kept free of zod: the code table's adapters and the recipient routes import these.

/** A text message: to whom, what, and ids (`context`) the SMS service's events about it echo. */
export interface TextMessage {
  readonly to: string;
  readonly body: string;
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * A code SMS's fate, from End User Messaging SMS's events: sent (the service took it), accepted by the
 * recipient's carrier (`TEXT_SUCCESSFUL`, final where a country has no delivery receipts), delivered to
 * the phone, or failed (blocked, unreachable, invalid, expired, spam…).
 */
export type SmsDeliveryStatus = 'SENT' | 'ACCEPTED' | 'DELIVERED' | 'FAILED';

/** Order of the statuses: recorded only over a lower one; DELIVERED and FAILED are both final (first wins). */
export const SMS_DELIVERY_RANK: Readonly<Record<SmsDeliveryStatus, number>> = {
  SENT: 1,
  ACCEPTED: 2,
  DELIVERED: 3,
  FAILED: 3,
};

/** The code record's fields about its latest code SMS (part of `OtpRecord`). */
export interface SmsDeliveryFields {
  /** End User Messaging's id of the code's latest SMS: only events about this message change its status. */
  readonly smsMessageId?: string;
  /** The latest code SMS's fate as End User Messaging reported it. */
  readonly smsDelivery?: SmsDeliveryStatus;
  /** {@link SMS_DELIVERY_RANK} of `smsDelivery`: a write needs a higher rank, so status never goes back. */
  readonly smsDeliveryRank?: number;
  /** Why the SMS failed: the event type without `TEXT_` (`BLOCKED`, `CARRIER_UNREACHABLE`, `INVALID`…). */
  readonly smsFailure?: SmsFailure;
}

/** End User Messaging SMS's failure event types, without their `TEXT_` prefix. */
export const SMS_FAILURES = [
  'BLOCKED',
  'TTL_EXPIRED',
  'CARRIER_UNREACHABLE',
  'INVALID',
  'INVALID_MESSAGE',
  'CARRIER_BLOCKED',
  'UNREACHABLE',
  'SPAM',
  'UNKNOWN',
  'PROTECT_BLOCKED',
] as const;
/** Why a code SMS failed ({@link SMS_FAILURES}). */
export type SmsFailure = (typeof SMS_FAILURES)[number];
