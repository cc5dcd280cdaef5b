import { createHash } from 'node:crypto';
import { codeEmailFor, sendOrRollBack } from './code-email.ts';
import { renderHandoverReceipt } from './email/render.ts';
import { toEpochSeconds } from './expiry.ts';
import { decryptOtpCode, digestsEqual } from './otp-code.ts';
import type { Clock, LifecycleStore, Mailer, OtpRecord } from './otp-record.ts';

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
export type RecipientRefusal = 'NOT_FOUND' | 'ALREADY_VERIFIED' | 'REVOKED' | 'EXPIRED' | 'TOO_MANY_RESENDS';

/** Finds the record the recipient may see, or why not. */
function openRecordFor(
  record: OtpRecord | undefined,
  recipientEmail: string,
  nowSeconds: number,
): { record: OtpRecord } | { refusal: RecipientRefusal } {
  if (!record || !sameRecipient(record.recipientEmail, recipientEmail)) return { refusal: 'NOT_FOUND' };
  if (record.status === 'VERIFIED') return { refusal: 'ALREADY_VERIFIED' };
  if (record.status === 'REVOKED') return { refusal: 'REVOKED' };
  if (record.expiresAt <= nowSeconds) return { refusal: 'EXPIRED' };
  return { record };
}

/** Dependencies of the recipient operations. */
export interface RecipientDeps {
  readonly store: LifecycleStore;
  readonly encryptionKey: Uint8Array;
  readonly clock: Clock;
}

/** Track Package: the current code and until when it is valid, for the parcel's own recipient only. */
export async function trackCode(
  deps: RecipientDeps,
  input: { parcelId: string; recipientEmail: string },
): Promise<{ code: string; validUntil: string } | { refusal: RecipientRefusal }> {
  const found = openRecordFor(
    await deps.store.get(input.parcelId),
    input.recipientEmail,
    toEpochSeconds(deps.clock.now()),
  );
  if ('refusal' in found) return found;
  const { record } = found;
  return {
    code: decryptOtpCode(deps.encryptionKey, record.parcelId, record.issueId, record.codeCiphertext),
    validUntil: new Date(record.expiresAt * 1000).toISOString(),
  };
}

/**
 * Emails the current code again (never a new one), at most `maxResends` times per code; the count is a
 * condition on the write, and given back when SES did not take the email.
 */
export async function resendCode(
  deps: RecipientDeps & { readonly mailer: Mailer; readonly maxResends: number },
  input: { parcelId: string; recipientEmail: string },
): Promise<{ resendsRemaining: number } | { refusal: RecipientRefusal }> {
  const nowSeconds = toEpochSeconds(deps.clock.now());
  const found = openRecordFor(await deps.store.get(input.parcelId), input.recipientEmail, nowSeconds);
  if ('refusal' in found) return found;
  let record = found.record;
  let counted = await deps.store.countResend(record.parcelId, record.issueId, nowSeconds, deps.maxResends);
  if (!counted.ok && counted.current && counted.current.issueId !== record.issueId) {
    // A reissue between our read and our write: the new code has its own budget, so try it once.
    const reissued = openRecordFor(counted.current, input.recipientEmail, nowSeconds);
    if ('refusal' in reissued) return reissued;
    record = reissued.record;
    counted = await deps.store.countResend(record.parcelId, record.issueId, nowSeconds, deps.maxResends);
  }
  if (!counted.ok) {
    const again = openRecordFor(counted.current, input.recipientEmail, nowSeconds);
    return 'refusal' in again ? again : { refusal: 'TOO_MANY_RESENDS' };
  }
  const sent = record;
  await sendOrRollBack(deps.mailer, codeEmailFor(sent, deps.encryptionKey), () =>
    deps.store.uncountResend(sent.parcelId, sent.issueId),
  );
  return { resendsRemaining: Math.max(0, deps.maxResends - (counted.record.resendCount ?? 0)) };
}

/**
 * After a verified handover, emails the recipient a receipt (once per parcel): parcel, time, and what to
 * do if it was not them, which catches a driver who took the code and kept the parcel.
 */
export async function sendHandoverReceipt(
  deps: {
    readonly store: LifecycleStore;
    readonly mailer: Mailer;
    readonly clock: Clock;
    readonly leaseSeconds: number;
  },
  parcelId: string,
): Promise<'SENT' | 'ALREADY_SENT' | 'IN_FLIGHT' | 'NOT_VERIFIED'> {
  const record = await deps.store.get(parcelId);
  if (record?.status !== 'VERIFIED' || record.verifiedAt === undefined) return 'NOT_VERIFIED';
  const claim = await deps.store.claimReceipt(parcelId, toEpochSeconds(deps.clock.now()), deps.leaseSeconds);
  if (claim !== 'CLAIMED') return claim;
  const email = renderHandoverReceipt({
    locale: record.locale,
    recipientName: record.recipientName,
    orderId: record.orderId,
    parcelId: record.parcelId,
    handedOverAt: new Date(record.verifiedAt * 1000),
    timeZone: record.timeZone,
  });
  await sendOrRollBack(deps.mailer, { to: record.recipientEmail, ...email }, () =>
    deps.store.releaseReceiptClaim(parcelId),
  );
  await deps.store.markReceiptSent(parcelId);
  return 'SENT';
}
