import { PARCEL_TAG, parcelTagValue } from './delivery-status.ts';
import { type RenderedEmail, renderOtpEmail, renderOtpReissuedEmail, renderOtpSms } from './email/render.ts';
import { decryptOtpCode } from './otp-code.ts';
import type { Mailer, OtpRecord, RecipientRecord } from './otp-record.ts';

/**
 * The email carrying a record's current code, decrypted here and nowhere earlier. A code that replaced an
 * earlier one says so, so the recipient discards the old email.
 */
export function codeEmailFor(
  record: OtpRecord,
  recipient: RecipientRecord,
  encryptionKey: Uint8Array,
): RenderedEmail & { to: string; tags: Record<string, string> } {
  const render = (record.issueCount ?? 1) > 1 ? renderOtpReissuedEmail : renderOtpEmail;
  const email = render({
    locale: recipient.locale,
    recipientName: recipient.name,
    orderId: record.orderId,
    parcelId: record.parcelId,
    code: decryptOtpCode(encryptionKey, record.parcelId, record.issueId, record.codeCiphertext),
    validUntil: new Date(record.expiresAt * 1000),
    timeZone: record.timeZone,
  });
  // The tag brings SES's events about this email back to the parcel (delivery status, fallback).
  return { to: recipient.email, ...email, tags: { [PARCEL_TAG]: parcelTagValue(record.parcelId) } };
}

/** The text message carrying a record's current code (decrypted here), in the recipient's language. */
export function codeSmsFor(record: OtpRecord, recipient: RecipientRecord, encryptionKey: Uint8Array): string {
  return renderOtpSms({
    locale: recipient.locale,
    orderId: record.orderId,
    parcelId: record.parcelId,
    code: decryptOtpCode(encryptionKey, record.parcelId, record.issueId, record.codeCiphertext),
    validUntil: new Date(record.expiresAt * 1000),
    timeZone: record.timeZone,
  });
}

/** Sends `message`; if the mailer fails, undoes what was reserved for it (`rollback`) and rethrows. */
export async function sendOrRollBack(
  mailer: Mailer,
  message: Parameters<Mailer['send']>[0],
  rollback: () => Promise<void>,
): Promise<{ messageId: string }> {
  try {
    return await mailer.send(message);
  } catch (error) {
    await rollback();
    throw error;
  }
}
