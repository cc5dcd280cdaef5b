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

/** Detail of `Delivery Otp Reissued`: a fresh code for the next attempt was emailed. */
export const OtpReissuedDetailSchema = z.object({ parcelId: ParcelIdSchema, validUntil });
export type OtpReissuedDetail = z.infer<typeof OtpReissuedDetailSchema>;

/** Detail of `Delivery Otp Revoked`. */
export const OtpRevokedDetailSchema = z.object({ parcelId: ParcelIdSchema });
export type OtpRevokedDetail = z.infer<typeof OtpRevokedDetailSchema>;

/** Detail of `Delivery Otp Locked`: the parcel's cap of wrong codes is reached; for an operator. */
export const OtpLockedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  totalWrongAttempts: z.number().check(z.int(), z.minimum(0)),
});
export type OtpLockedDetail = z.infer<typeof OtpLockedDetailSchema>;

/** Detail of `Delivery Otp Not Required`: the value policy waived the code. */
export const OtpNotRequiredDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  reason: z.enum(['DESTINATION_NOT_HOME', 'PARTNER_DELIVERY', 'BELOW_THRESHOLD']),
});
export type OtpNotRequiredDetail = z.infer<typeof OtpNotRequiredDetailSchema>;

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

/** Detail of `Delivery Otp Undeliverable`: the code reached the recipient on no channel (once per code). */
export const OtpUndeliverableDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  channel: z.enum(['EMAIL', 'SMS'] as const satisfies readonly Channel[]),
  reason: z.enum(['EMAIL_BOUNCED', 'EMAIL_REJECTED', 'EMAIL_DELAYED', 'SMS_REJECTED']),
});
export type OtpUndeliverableDetail = z.infer<typeof OtpUndeliverableDetailSchema>;
