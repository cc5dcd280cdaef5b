// The events this product emits about a parcel's code (source `secure-delivery`). Ids, outcomes and
// reason codes only: never a code, hash, ciphertext, email address, name or phone number.
import * as z from 'zod/mini';
import type { Channel } from '../otp-record.ts';
import { ParcelIdSchema } from './fields.ts';

const validUntil = z.iso
  .datetime()
  .check(z.describe('When the code stops verifying: the end of the delivery day in the destination zone.'));

/** Detail of `Delivery Otp Issued`: the first code was emailed. */
export const OtpIssuedDetailSchema = z.object({ parcelId: ParcelIdSchema, validUntil });
export type OtpIssuedDetail = z.infer<typeof OtpIssuedDetailSchema>;
/** An example `Delivery Otp Issued` detail: valid until the end of 2026-12-01 in Berlin. */
export const OtpIssuedDetailExample: OtpIssuedDetail = {
  parcelId: 'PCL-789',
  validUntil: '2026-12-01T23:00:00.000Z',
};

/** Detail of `Delivery Otp Reissued`: a fresh code for the next attempt was emailed. */
export const OtpReissuedDetailSchema = z.object({ parcelId: ParcelIdSchema, validUntil });
export type OtpReissuedDetail = z.infer<typeof OtpReissuedDetailSchema>;
/** An example `Delivery Otp Reissued` detail: the next attempt's code, valid until the end of 2026-12-02. */
export const OtpReissuedDetailExample: OtpReissuedDetail = {
  parcelId: 'PCL-789',
  validUntil: '2026-12-02T23:00:00.000Z',
};

/** Detail of `Delivery Otp Revoked`. */
export const OtpRevokedDetailSchema = z.object({ parcelId: ParcelIdSchema });
export type OtpRevokedDetail = z.infer<typeof OtpRevokedDetailSchema>;
/** An example `Delivery Otp Revoked` detail. */
export const OtpRevokedDetailExample: OtpRevokedDetail = { parcelId: 'PCL-789' };

/** Detail of `Delivery Otp Locked`: the parcel's cap of wrong codes is reached; for an operator. */
export const OtpLockedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  totalWrongAttempts: z.number().check(z.int(), z.minimum(0)),
});
export type OtpLockedDetail = z.infer<typeof OtpLockedDetailSchema>;
/** An example `Delivery Otp Locked` detail. */
export const OtpLockedDetailExample: OtpLockedDetail = { parcelId: 'PCL-789', totalWrongAttempts: 10 };

/** Detail of `Delivery Otp Not Required`: the value policy waived the code. */
export const OtpNotRequiredDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  reason: z.enum(['DESTINATION_NOT_HOME', 'PARTNER_DELIVERY', 'BELOW_THRESHOLD']),
});
export type OtpNotRequiredDetail = z.infer<typeof OtpNotRequiredDetailSchema>;
/** An example `Delivery Otp Not Required` detail. */
export const OtpNotRequiredDetailExample: OtpNotRequiredDetail = {
  parcelId: 'PCL-790',
  reason: 'BELOW_THRESHOLD',
};

/** Detail of `Delivery Otp Email Failed`: the error's name and a reason code, never its message or stack. */
export const OtpEmailFailedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  error: z
    .string()
    .check(
      z.describe(
        'Name of the error that ended the send step as Step Functions caught it (EmailRejectedError, EmailThrottledError, EmailTransientError, StoreThrottledError, or a Lambda / Step Functions name such as Lambda.ServiceException).',
      ),
    ),
  reason: z.enum(['EMAIL_REJECTED', 'RETRIES_EXHAUSTED', 'INTERNAL_ERROR']),
});
export type OtpEmailFailedDetail = z.infer<typeof OtpEmailFailedDetailSchema>;
/** An example `Delivery Otp Email Failed` detail. */
export const OtpEmailFailedDetailExample: OtpEmailFailedDetail = {
  parcelId: 'PCL-789',
  error: 'EmailThrottledError',
  reason: 'RETRIES_EXHAUSTED',
};

/** Detail of `Delivery Otp Undeliverable`: the code reached the recipient on no channel (once per code). */
export const OtpUndeliverableDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  channel: z.enum(['EMAIL', 'SMS'] as const satisfies readonly Channel[]),
  reason: z.enum(['EMAIL_BOUNCED', 'EMAIL_REJECTED', 'EMAIL_DELAYED', 'SMS_REJECTED', 'SMS_FAILED']),
});
export type OtpUndeliverableDetail = z.infer<typeof OtpUndeliverableDetailSchema>;
/** An example `Delivery Otp Undeliverable` detail. */
export const OtpUndeliverableDetailExample: OtpUndeliverableDetail = {
  parcelId: 'PCL-789',
  channel: 'EMAIL',
  reason: 'EMAIL_BOUNCED',
};
