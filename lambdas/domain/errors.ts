import type { RefusalReason } from './events/detail-types.ts';

/**
 * Typed errors of the domain. Step Functions Retry/Catch and the HTTP handlers match them by `name`,
 * so every class sets `name` explicitly (minifiers rename classes).
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
}

/**
 * An incoming event failed validation; `field` names the first offending path, `code` the reason
 * `Parcel Event Refused` gives (a malformed field, or an event time too far ahead).
 */
export class InvalidParcelEventError extends DomainError {
  override readonly name = 'InvalidParcelEventError';
  constructor(
    readonly field: string,
    reason: string,
    readonly code: Extract<RefusalReason, 'INVALID_FIELD' | 'EVENT_TIME_IN_FUTURE'> = 'INVALID_FIELD',
  ) {
    super(`Invalid parcel event: ${field}: ${reason}`);
  }
}

/** The expected delivery day is already over (or too far ahead) in the destination's time zone. */
export class DeliveryDateOutOfRangeError extends DomainError {
  override readonly name = 'DeliveryDateOutOfRangeError';
  constructor(
    readonly field: string,
    reason: string,
    readonly code: Extract<RefusalReason, 'DELIVERY_DATE_OVER' | 'DELIVERY_DATE_TOO_FAR_AHEAD'>,
  ) {
    super(`Invalid parcel event: ${field}: ${reason}`);
  }
}

/** The parcel has no code record (never issued, or low-value parcel). */
export class OtpNotFoundError extends DomainError {
  override readonly name = 'OtpNotFoundError';
  constructor(readonly parcelId: string) {
    super(`No code for parcel ${parcelId}`);
  }
}

/** The parcel has a code but no recipient to send it to (closed meanwhile, or its item was lost). */
export class RecipientNotFoundError extends DomainError {
  override readonly name = 'RecipientNotFoundError';
  constructor(readonly parcelId: string) {
    super(`No recipient for parcel ${parcelId}`);
  }
}

/** SES throttled the send; the workflow retries with backoff. */
export class EmailThrottledError extends DomainError {
  override readonly name = 'EmailThrottledError';
}

/** SES failed transiently (5xx, network); the workflow retries with backoff. */
export class EmailTransientError extends DomainError {
  override readonly name = 'EmailTransientError';
}

/** The parcel was returned or cancelled (possibly before its code was issued): no code may be issued. */
export class ParcelClosedError extends DomainError {
  override readonly name = 'ParcelClosedError';
}

/** Another attempt holds the email's claim; retry later, when the claim is done or its lease has run out. */
export class EmailInFlightError extends DomainError {
  override readonly name = 'EmailInFlightError';
}

/** SES rejected the message for good (bad address, unverified sender); retrying cannot help. */
export class EmailRejectedError extends DomainError {
  override readonly name = 'EmailRejectedError';
}

/** The store was throttled; verify answers 503 with Retry-After. */
export class StoreThrottledError extends DomainError {
  override readonly name = 'StoreThrottledError';
}

/**
 * A resend of the current code is on its way to SES: a reissue or revoke now would let that email carry
 * a code that is no longer current. The lifecycle workflow retries after the resend's short lease.
 */
export class ResendInFlightError extends DomainError {
  override readonly name = 'ResendInFlightError';
}

/** The key service throttled or failed transiently (after the SDK's retries); verify answers 503, workflows retry. */
export class KeyServiceUnavailableError extends DomainError {
  override readonly name = 'KeyServiceUnavailableError';
}

/** An SES or SMS event about a code's email or SMS arrived before the sender stored its message id: retry later. */
export class DeliveryReportEarlyError extends DomainError {
  override readonly name = 'DeliveryReportEarlyError';
  constructor(parcelId: string) {
    super(`Delivery report for parcel ${parcelId} arrived before its message id was stored`);
  }
}

/** The SMS service refused the message for good (bad number, opted out, no origination identity). */
export class SmsRejectedError extends DomainError {
  override readonly name = 'SmsRejectedError';
}

/**
 * The SMS service refused our own setup (access denied, an unknown configuration set or origination
 * identity): not the recipient's number, so nothing is reported undeliverable; it fails loudly for an operator.
 */
export class SmsConfigurationError extends DomainError {
  override readonly name = 'SmsConfigurationError';
}

/** The SMS service throttled or failed transiently: retry later. */
export class SmsTransientError extends DomainError {
  override readonly name = 'SmsTransientError';
}

/**
 * An SMS delivery event (End User Messaging SMS through SNS) failed validation; `field` names the first
 * offending path. Never carries a value: the event holds the recipient's phone number.
 */
export class InvalidSmsEventError extends DomainError {
  override readonly name = 'InvalidSmsEventError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Invalid SMS event: ${field}: ${reason}`);
  }
}
