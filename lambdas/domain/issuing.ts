import { randomUUID } from 'node:crypto';
import { codeEmailFor, codeSmsFor, sendOrRollBack } from './code-email.ts';
import { smsContext } from './delivery-status.ts';
import { deliveryWindowEnd } from './delivery-window.ts';
import { OtpNotFoundError, ParcelClosedError, RecipientNotFoundError, SmsRejectedError } from './errors.ts';
import type { ParcelShippedDetail } from './events/carrier-events.ts';
import { toEpochSeconds } from './expiry.ts';
import { type CodeHasher, encryptOtpCode, generateOtpCode } from './otp-code.ts';
import type {
  Channel,
  Clock,
  CodeEmailClaims,
  CodeReader,
  CodeSmsClaims,
  CodeStore,
  Mailer,
  OtpRecord,
  RecipientReader,
  RecipientRecord,
  RecipientWriter,
  TextMessenger,
} from './otp-record.ts';

/** What the issuing side hashes and encrypts with: the KMS-held MAC key, and the AES key for the recoverable copy. */
export interface IssuingKeys {
  readonly codeHasher: CodeHasher;
  readonly encryptionKey: Uint8Array;
}

/** Dependencies of {@link issueOtp}. */
export interface IssueDeps {
  readonly store: CodeStore;
  /** Where the recipient's details go: a table the verify path cannot read. */
  readonly recipients: Pick<RecipientWriter, 'save' | 'delete'>;
  readonly keys: IssuingKeys;
  readonly clock: Clock;
  /** Days an expired record is kept before TTL may delete it. */
  readonly retentionDays: number;
  /** How far ahead an expected delivery date may lie. */
  readonly maxDaysAhead: number;
}

/** What the issue step hands to the next step: never the code itself. */
export interface IssueResult {
  readonly parcelId: string;
  readonly issueId: string;
  readonly created: boolean;
  readonly validUntil: string;
}

const DAY_SECONDS = 86_400;

/**
 * Issues the parcel's code once: a CSPRNG code, stored only as a MAC and an AES-GCM ciphertext, valid
 * until the end of the delivery day. A duplicate event finds the stored record and issues nothing new.
 */
export async function issueOtp(deps: IssueDeps, parcel: ParcelShippedDetail): Promise<IssueResult> {
  const now = deps.clock.now();
  const validUntil = deliveryWindowEnd(
    parcel.expectedDeliveryDate,
    parcel.destination.timeZone,
    now,
    deps.maxDaysAhead,
  );
  const nowSeconds = toEpochSeconds(now);
  const expiresAt = toEpochSeconds(validUntil);
  const issueId = randomUUID();
  const code = generateOtpCode();
  const record: OtpRecord = {
    parcelId: parcel.parcelId,
    orderId: parcel.orderId,
    issueId,
    codeHash: await deps.keys.codeHasher.hash(parcel.parcelId, code),
    codeCiphertext: encryptOtpCode(deps.keys.encryptionKey, parcel.parcelId, issueId, code),
    status: 'ISSUED',
    expiresAt,
    ttl: expiresAt + deps.retentionDays * DAY_SECONDS,
    issuedAt: nowSeconds,
    deliveryDate: parcel.expectedDeliveryDate,
    wrongAttempts: 0,
    totalWrongAttempts: 0,
    issueCount: 1,
    timeZone: parcel.destination.timeZone,
  };
  const recipient: RecipientRecord = {
    parcelId: parcel.parcelId,
    email: parcel.recipient.email,
    name: parcel.recipient.name,
    locale: parcel.recipient.locale,
    ...(parcel.recipient.phone ? { phone: parcel.recipient.phone } : {}),
    ttl: record.ttl,
  };
  // Recipient first: a crash between the writes leaves a recipient no reader reaches without its code,
  // and the redelivery writes both; the other order could leave a code nobody can email.
  await deps.recipients.save(recipient, nowSeconds);
  let stored: { created: boolean; record: OtpRecord };
  try {
    stored = await deps.store.createIfAbsent(record);
    // Returned or cancelled since its code was issued: a redelivered or replayed Parcel Shipped must not
    // bring back the recipient the closure deleted.
    if (stored.record.closedAt !== undefined)
      throw new ParcelClosedError(`Parcel ${parcel.parcelId} was closed after its code was issued`);
  } catch (error) {
    // Returned or cancelled: no code will ever need the recipient.
    if (error instanceof ParcelClosedError) await deps.recipients.delete(parcel.parcelId);
    throw error;
  }
  return {
    parcelId: stored.record.parcelId,
    issueId: stored.record.issueId,
    created: stored.created,
    validUntil: new Date(stored.record.expiresAt * 1000).toISOString(),
  };
}

/** Dependencies of {@link sendOtpEmail}. */
export interface SendDeps {
  readonly store: CodeReader & CodeEmailClaims & Partial<CodeSmsClaims>;
  /** The SMS channel: a reissued code goes by SMS when that is the channel that last reached the recipient. */
  readonly messenger?: TextMessenger;
  readonly recipients: RecipientReader;
  readonly mailer: Mailer;
  readonly encryptionKey: Uint8Array;
  readonly clock: Clock;
  /** After this long a SENDING claim is presumed dead (crashed sender) and may be taken over. */
  readonly claimLeaseSeconds: number;
}

/** Whether this call sent the email, or found it sent or being sent by a duplicate run. */
export interface SendResult {
  readonly parcelId: string;
  readonly issueId: string;
  readonly emailSent: boolean;
  readonly outcome: 'SENT' | 'ALREADY_SENT' | 'IN_FLIGHT' | 'CODE_CLOSED';
  /** The channel this run sent the code by (`emailSent` is true for either: the code was sent by this run). */
  readonly channel?: Channel;
}

/**
 * Emails the parcel's current code once per issue. The code is decrypted here, not passed through the
 * workflow, so it never appears in execution history. A failed send releases its claim and rethrows
 * (typed), so the workflow's retry can claim again.
 */
export async function sendOtpEmail(
  deps: SendDeps,
  input: { parcelId: string; issueId: string },
): Promise<SendResult> {
  const [record, recipient] = await Promise.all([
    deps.store.get(input.parcelId),
    deps.recipients.get(input.parcelId),
  ]);
  if (!record || record.issueId !== input.issueId) throw new OtpNotFoundError(input.parcelId);
  const { claimSms, markSmsSent, releaseSmsClaim } = deps.store;
  if (
    record.lastChannel === 'SMS' &&
    recipient?.phone &&
    deps.messenger &&
    claimSms &&
    markSmsSent &&
    releaseSmsClaim
  ) {
    // The email bounced before and the SMS reached them: the new code follows the channel that worked.
    const store = deps.store;
    const smsClaim = await claimSms.call(
      store,
      input.parcelId,
      input.issueId,
      toEpochSeconds(deps.clock.now()),
      deps.claimLeaseSeconds,
    );
    if (smsClaim !== 'CLAIMED') return { ...input, emailSent: false, outcome: smsClaim, channel: 'SMS' };
    let refused = false;
    let messageId: string | undefined;
    try {
      ({ messageId } = await deps.messenger.send({
        to: recipient.phone,
        body: codeSmsFor(record, recipient, deps.encryptionKey),
        context: smsContext(input.parcelId),
      }));
    } catch (error) {
      await releaseSmsClaim.call(store, input.parcelId, input.issueId);
      // A number refused for good: the new code goes by email instead (its bounce reports it undeliverable).
      if (!(error instanceof SmsRejectedError)) throw error;
      refused = true;
    }
    if (!refused) {
      await markSmsSent.call(store, input.parcelId, input.issueId, messageId);
      return { ...input, emailSent: true, outcome: 'SENT', channel: 'SMS' };
    }
  }
  const claim = await deps.store.claimEmail(
    input.parcelId,
    input.issueId,
    toEpochSeconds(deps.clock.now()),
    deps.claimLeaseSeconds,
  );
  if (claim !== 'CLAIMED') return { ...input, emailSent: false, outcome: claim };
  if (!recipient) {
    // Issuing writes the recipient before the code and only a closure deletes it: a closure that raced
    // this claim revoked the code (nothing to send); anything else is a broken invariant, so fail loudly.
    await deps.store.releaseEmailClaim(input.parcelId, input.issueId);
    const now = await deps.store.get(input.parcelId);
    if (now?.issueId !== input.issueId || now.status !== 'ISSUED') {
      return { ...input, emailSent: false, outcome: 'CODE_CLOSED' };
    }
    throw new RecipientNotFoundError(input.parcelId);
  }
  const { messageId } = await sendOrRollBack(
    deps.mailer,
    codeEmailFor(record, recipient, deps.encryptionKey),
    () => deps.store.releaseEmailClaim(input.parcelId, input.issueId),
  );
  // SES's id of the email: its delivery events are recorded against it.
  await deps.store.markEmailSent(input.parcelId, input.issueId, messageId || undefined);
  return { ...input, emailSent: true, outcome: 'SENT', channel: 'EMAIL' };
}
