import { createHash } from 'node:crypto';
import { codeEmailFor, codeSmsFor, sendOrRollBack } from './code-email.ts';
import { smsContext, UNDELIVERABLE } from './delivery-status.ts';
import { renderHandoverReceipt, renderHandoverReceiptSms } from './email/render.ts';
import { SmsRejectedError } from './errors.ts';
import { toEpochSeconds } from './expiry.ts';
import { decryptOtpCode, digestsEqual } from './otp-code.ts';
import type {
  Channel,
  Clock,
  CodeEmailClaims,
  CodeReader,
  EmailDeliveryStatus,
  Mailer,
  OtpRecord,
  ReceiptClaims,
  RecipientReader,
  RecipientRecord,
  ResendClaims,
  TextMessenger,
} from './otp-record.ts';
import type { SmsDeliveryStatus, SmsFailure } from './sms-status.ts';

/** Folds ASCII `A-Z` to `a-z` and nothing else (`toLowerCase` would map U+212A KELVIN SIGN to `k`). */
const foldAsciiCase = (email: string) => email.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/**
 * Constant-time match of the stored recipient and the one the shop vouches for: case-insensitive for
 * ASCII letters only, every other character exact.
 */
export function sameRecipient(stored: string, claimed: string): boolean {
  const digest = (email: string) =>
    createHash('sha256')
      .update(foldAsciiCase(email.replace(/^[ \t]+|[ \t]+$/g, '')))
      .digest('hex');
  return digestsEqual(digest(stored), digest(claimed));
}

/** Why the recipient routes refuse; a wrong recipient is NOT_FOUND, so the routes are no oracle. */
export type RecipientRefusal =
  | 'NOT_FOUND'
  | 'ALREADY_VERIFIED'
  | 'REVOKED'
  | 'EXPIRED'
  | 'TOO_MANY_RESENDS'
  /** Another resend of this code is being sent right now; try again in a few seconds. */
  | 'RESEND_IN_FLIGHT'
  /** A resend by SMS, and the shop gave no phone number for this parcel. */
  | 'NO_PHONE';

/** Finds the record the recipient may see, or why not; `recipient` is the parcel's, from its own table. */
function openRecordFor(
  record: OtpRecord | undefined,
  recipient: RecipientRecord | undefined,
  recipientEmail: string,
  nowSeconds: number,
): { record: OtpRecord; recipient: RecipientRecord } | { refusal: RecipientRefusal } {
  if (!record || !recipient || !sameRecipient(recipient.email, recipientEmail)) {
    return { refusal: 'NOT_FOUND' };
  }
  if (record.status === 'VERIFIED') return { refusal: 'ALREADY_VERIFIED' };
  if (record.status === 'REVOKED') return { refusal: 'REVOKED' };
  if (record.expiresAt <= nowSeconds) return { refusal: 'EXPIRED' };
  return { record, recipient };
}

/** Dependencies of the recipient operations. */
export interface RecipientDeps {
  readonly store: CodeReader & ResendClaims & Pick<CodeEmailClaims, 'markEmailSent'>;
  readonly recipients: RecipientReader;
  readonly encryptionKey: Uint8Array;
  readonly clock: Clock;
}

/** Track Package: the current code and until when it is valid, for the parcel's own recipient only. */
export async function trackCode(
  deps: RecipientDeps,
  input: { parcelId: string; recipientEmail: string },
): Promise<{ code: string; validUntil: string; delivery: CodeDeliveryView } | { refusal: RecipientRefusal }> {
  const [stored, recipient] = await Promise.all([
    deps.store.get(input.parcelId),
    deps.recipients.get(input.parcelId),
  ]);
  const found = openRecordFor(stored, recipient, input.recipientEmail, toEpochSeconds(deps.clock.now()));
  if ('refusal' in found) return found;
  const { record } = found;
  return {
    code: decryptOtpCode(deps.encryptionKey, record.parcelId, record.issueId, record.codeCiphertext),
    validUntil: new Date(record.expiresAt * 1000).toISOString(),
    delivery: deliveryView(record),
  };
}

/** How the current code is reaching the recipient, per channel, as Track Package shows it. */
export interface CodeDeliveryView {
  /** SES's word on the latest code email; `PENDING` until SES accepted it; `NOT_SENT` when the code went by SMS only. */
  readonly email: EmailDeliveryStatus | 'PENDING' | 'NOT_SENT';
  /**
   * Present once the code went by SMS: `SENDING` while being handed to the SMS service, `SENT` once it took
   * it, then its latest SMS's fate as the service reports it: `ACCEPTED` (by the carrier), `DELIVERED`, `FAILED`.
   */
  readonly sms?: 'SENDING' | SmsDeliveryStatus;
  /** Why the SMS failed (`BLOCKED`, `CARRIER_UNREACHABLE`, `INVALID`…), when it did. */
  readonly smsFailure?: SmsFailure;
  /** SES's bounce type when the email bounced (`Permanent`, `Transient`, `Undetermined`). */
  readonly bounceType?: string;
}

/** The delivery status of a record's current code. */
function deliveryView(record: OtpRecord): CodeDeliveryView {
  const email =
    record.emailDelivery ??
    (record.emailStatus === 'SENT'
      ? 'SENT'
      : record.smsStatus && !record.emailStatus
        ? 'NOT_SENT'
        : 'PENDING');
  const sms = record.smsStatus === 'SENT' ? (record.smsDelivery ?? 'SENT') : record.smsStatus;
  return {
    email,
    ...(sms ? { sms } : {}),
    ...(sms === 'FAILED' && record.smsFailure ? { smsFailure: record.smsFailure } : {}),
    ...(email === 'BOUNCED' && record.emailBounceType ? { bounceType: record.emailBounceType } : {}),
  };
}

/**
 * Emails the current code again (never a new one), at most `maxResends` times per code; the count is a
 * condition on the write, and given back when SES did not take the email. The same write holds the code
 * for `leaseSeconds` (longer than the function can run): a reissue or revoke waits until the email is
 * with SES, so the email always carries the code that is current when it is sent.
 */
export async function resendCode(
  deps: RecipientDeps & {
    readonly mailer: Mailer;
    /** Needed for resends by SMS only. */
    readonly messenger?: TextMessenger;
    readonly maxResends: number;
    readonly leaseSeconds: number;
  },
  input: { parcelId: string; recipientEmail: string; channel?: Channel },
): Promise<{ resendsRemaining: number } | { refusal: RecipientRefusal }> {
  if (input.channel === 'SMS' && !deps.messenger) throw new Error('No SMS sender configured');
  const nowSeconds = toEpochSeconds(deps.clock.now());
  const leaseUntil = nowSeconds + deps.leaseSeconds;
  const [stored, recipient] = await Promise.all([
    deps.store.get(input.parcelId),
    deps.recipients.get(input.parcelId),
  ]);
  const found = openRecordFor(stored, recipient, input.recipientEmail, nowSeconds);
  if ('refusal' in found) return found;
  // Only the parcel's own recipient (matched above) learns whether a phone is on file.
  const phone = found.recipient.phone;
  if (input.channel === 'SMS' && !phone) return { refusal: 'NO_PHONE' };
  let record = found.record;
  const count = (issueId: string) =>
    deps.store.countResend(record.parcelId, issueId, { nowSeconds, maxResends: deps.maxResends, leaseUntil });
  let counted = await count(record.issueId);
  if (!counted.ok && counted.current && counted.current.issueId !== record.issueId) {
    // A reissue between our read and our write: the new code has its own budget, so try it once.
    const reissued = openRecordFor(counted.current, recipient, input.recipientEmail, nowSeconds);
    if ('refusal' in reissued) return reissued;
    record = reissued.record;
    counted = await count(record.issueId);
  }
  if (!counted.ok) {
    const again = openRecordFor(counted.current, recipient, input.recipientEmail, nowSeconds);
    if ('refusal' in again) return again;
    const inFlight = (again.record.resendLeaseUntil ?? 0) > nowSeconds;
    return { refusal: inFlight ? 'RESEND_IN_FLIGHT' : 'TOO_MANY_RESENDS' };
  }
  // `record` is the issue the count was conditioned on: the code held until the email is with SES.
  const sent = record;
  const giveBack = () =>
    deps.store.releaseResend(sent.parcelId, sent.issueId, { leaseUntil, giveBack: true });
  if (input.channel === 'SMS' && phone) {
    let texted: { messageId: string } | undefined;
    try {
      texted = await deps.messenger?.send({
        to: phone,
        body: codeSmsFor(sent, found.recipient, deps.encryptionKey),
        context: smsContext(sent.parcelId),
      });
    } catch (error) {
      await giveBack();
      throw error;
    }
    // The code went by SMS: Track shows it (this SMS's fate from now), a reissue follows it (best effort).
    await deps.store.markSmsResent(sent.parcelId, sent.issueId, texted?.messageId).catch(() => undefined);
  } else {
    const { messageId } = await sendOrRollBack(
      deps.mailer,
      codeEmailFor(sent, found.recipient, deps.encryptionKey),
      giveBack,
    );
    // The resent email is now the one whose delivery status counts (best effort, like the release below).
    if (messageId)
      await deps.store.markEmailSent(sent.parcelId, sent.issueId, messageId).catch(() => undefined);
  }
  // Best effort: if this write is lost, the hold simply runs out at `leaseUntil`.
  await deps.store
    .releaseResend(sent.parcelId, sent.issueId, { leaseUntil, giveBack: false })
    .catch(() => undefined);
  return { resendsRemaining: Math.max(0, deps.maxResends - (counted.record.resendCount ?? 0)) };
}

/**
 * After an announced handover, tells the recipient (once per parcel): parcel, time, and what to do if it
 * was not them, which catches a driver who took the code and kept the parcel. By email; by SMS when the
 * code email bounced or was rejected and a phone is on file (and the deployment sends SMS): the address
 * that just failed would swallow the receipt too. The receipt is for the announcement (its time), not for
 * what the record reads now: whoever heard "handed over" heard it, so the recipient hears it too.
 */
export async function sendHandoverReceipt(
  deps: {
    readonly store: CodeReader & ReceiptClaims;
    readonly recipients: RecipientReader;
    readonly mailer: Mailer;
    /** The SMS channel, when the deployment has one. */
    readonly messenger?: TextMessenger;
    readonly clock: Clock;
    readonly leaseSeconds: number;
  },
  handover: { readonly parcelId: string; readonly verifiedAt: Date },
): Promise<'SENT' | 'ALREADY_SENT' | 'IN_FLIGHT' | 'NO_RECORD' | 'NO_RECIPIENT'> {
  const { parcelId } = handover;
  // The claim first, on every announcement: the pipe announces nothing once it is there.
  const claim = await deps.store.claimReceipt(parcelId, toEpochSeconds(deps.clock.now()), deps.leaseSeconds);
  if (claim !== 'CLAIMED') return claim;
  const [record, recipient] = await Promise.all([deps.store.get(parcelId), deps.recipients.get(parcelId)]);
  if (!record) return 'NO_RECORD';
  // Deleted with a closure, or by TTL: nobody left to tell, and the claim stays settled.
  if (!recipient) {
    await deps.store.markReceiptNoRecipient(parcelId);
    return 'NO_RECIPIENT';
  }
  const emailFailed = record.emailDelivery !== undefined && UNDELIVERABLE.has(record.emailDelivery);
  if (emailFailed && recipient.phone && deps.messenger) {
    const text = renderHandoverReceiptSms({
      locale: recipient.locale,
      orderId: record.orderId,
      parcelId: record.parcelId,
      handedOverAt: handover.verifiedAt,
      timeZone: record.timeZone,
    });
    let refused = false;
    try {
      await deps.messenger.send({ to: recipient.phone, body: text });
    } catch (error) {
      // A number refused for good (a blocked country, the price cap): the email is all that is left.
      refused = error instanceof SmsRejectedError;
      if (!refused) {
        await deps.store.releaseReceiptClaim(parcelId);
        throw error;
      }
    }
    if (!refused) {
      await deps.store.markReceiptSent(parcelId);
      return 'SENT';
    }
  }
  const email = renderHandoverReceipt({
    locale: recipient.locale,
    recipientName: recipient.name,
    orderId: record.orderId,
    parcelId: record.parcelId,
    handedOverAt: handover.verifiedAt,
    timeZone: record.timeZone,
  });
  await sendOrRollBack(deps.mailer, { to: recipient.email, ...email }, () =>
    deps.store.releaseReceiptClaim(parcelId),
  );
  await deps.store.markReceiptSent(parcelId);
  return 'SENT';
}
