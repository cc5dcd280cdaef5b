import { Buffer } from 'node:buffer';
import { codeSmsFor } from './code-email.ts';
import { DeliveryReportEarlyError, SmsRejectedError, SmsTransientError } from './errors.ts';
import type { OtpUndeliverableDetail } from './events/code-events.ts';
import { toEpochSeconds } from './expiry.ts';
import { PARCEL_ID_PATTERN } from './identifiers.ts';
import type {
  Clock,
  CodeReader,
  CodeSmsClaims,
  DeliveryStatusStore,
  EmailDeliveryReport,
  EmailDeliveryStatus,
  OtpRecord,
  RecipientReader,
  TextMessenger,
  UndeliverableReportClaims,
} from './otp-record.ts';

/**
 * SendTextMessage `Context` key naming the parcel of a code SMS (End User Messaging's events carry it back);
 * namespaced, so an adopter's own texts through a shared configuration set never look like ours.
 */
export const SMS_PARCEL_CONTEXT = 'secureDeliveryParcelId';

/** SES message tag naming the parcel of a code email (SES's events about the message carry it back). */
export const PARCEL_TAG = 'parcel';

/** The parcel id as an SES tag value: base64url, since tag values allow no `.` and parcel ids may hold one. */
export const parcelTagValue = (parcelId: string): string =>
  Buffer.from(parcelId, 'utf8').toString('base64url');

/** The parcel id in a tag value written by {@link parcelTagValue}; undefined for anything else. */
export function parcelIdFromTag(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(value)) return undefined;
  const parcelId = Buffer.from(value, 'base64url').toString('utf8');
  return PARCEL_ID_PATTERN.test(parcelId) && parcelTagValue(parcelId) === value ? parcelId : undefined;
}

/** SES's `eventType` → the status it means for the code email. */
const STATUS_OF: Readonly<Record<string, EmailDeliveryStatus>> = {
  Send: 'SENT',
  DeliveryDelay: 'DELAYED',
  Delivery: 'DELIVERED',
  Bounce: 'BOUNCED',
  Reject: 'REJECTED',
  Complaint: 'COMPLAINED',
};

/**
 * What an SES event (the EventBridge `detail`) says about a code email; undefined for events about other
 * emails (no parcel tag, e.g. the handover receipt) and types that change no status (Open, Click).
 */
export function deliveryReportFrom(detail: unknown): EmailDeliveryReport | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const { eventType, mail, bounce } = detail as {
    eventType?: unknown;
    mail?: { messageId?: unknown; tags?: Record<string, unknown> };
    bounce?: { bounceType?: unknown };
  };
  const status = typeof eventType === 'string' ? STATUS_OF[eventType] : undefined;
  const messageId = mail?.messageId;
  const tag = mail?.tags?.[PARCEL_TAG];
  const parcelId = parcelIdFromTag(Array.isArray(tag) ? tag[0] : undefined);
  if (!status || typeof messageId !== 'string' || messageId === '' || !parcelId) return undefined;
  const bounceType =
    status === 'BOUNCED' &&
    typeof bounce?.bounceType === 'string' &&
    /^[A-Za-z]{1,32}$/.test(bounce.bounceType)
      ? bounce.bounceType
      : undefined;
  return { parcelId, messageId, status, ...(bounceType ? { bounceType } : {}) };
}

/** SendTextMessage's `Context` of a code SMS: the parcel, which End User Messaging's events echo. */
export const smsContext = (parcelId: string): Record<string, string> => ({ [SMS_PARCEL_CONTEXT]: parcelId });

/** Statuses after which the email will not reach the recipient: the code needs another channel. */
export const UNDELIVERABLE: ReadonlySet<EmailDeliveryStatus> = new Set(['BOUNCED', 'REJECTED']);

/** Dependencies of {@link recordEmailDelivery}. */
export interface RecordDeps {
  readonly store: Pick<DeliveryStatusStore, 'recordEmailDelivery'>;
  readonly clock: Clock;
}

/**
 * Records SES's report on the code's latest email, only forward (a late or repeated event is a no-op).
 * `fallback` is true when the email will not arrive: on the first recording of a bounce or rejection, and
 * again on a redelivery of it (the fallback itself is once per code), so a crash after recording loses
 * nothing. An event that arrives before the sender stored the message id is retried (typed error).
 */
export async function recordEmailDelivery(
  deps: RecordDeps,
  report: EmailDeliveryReport,
): Promise<{ outcome: 'RECORDED' | 'IGNORED'; fallback: boolean; record?: OtpRecord }> {
  const result = await deps.store.recordEmailDelivery({
    ...report,
    recordedAt: toEpochSeconds(deps.clock.now()),
  });
  if (result.ok)
    return { outcome: 'RECORDED', fallback: UNDELIVERABLE.has(report.status), record: result.record };
  const current = result.current;
  const nowSeconds = toEpochSeconds(deps.clock.now());
  if (
    current &&
    current.emailMessageId !== report.messageId &&
    current.status === 'ISSUED' &&
    (current.emailStatus === 'SENDING' || (current.resendLeaseUntil ?? 0) > nowSeconds)
  )
    throw new DeliveryReportEarlyError(report.parcelId);
  const repeated =
    current?.emailMessageId === report.messageId &&
    current.emailDelivery === report.status &&
    UNDELIVERABLE.has(report.status);
  return { outcome: 'IGNORED', fallback: repeated, ...(current ? { record: current } : {}) };
}

/** Dependencies of {@link sendCodeBySms}. */
export interface SmsDeps {
  readonly store: CodeReader & CodeSmsClaims & UndeliverableReportClaims;
  readonly recipients: RecipientReader;
  /** Absent when the deployment offers no SMS channel: a code then reaches nobody once its email failed. */
  readonly messenger?: TextMessenger;
  readonly encryptionKey: Uint8Array;
  readonly clock: Clock;
  /** After this long an SMS claim is presumed dead and may be taken over. */
  readonly claimLeaseSeconds: number;
}

/** Outcome of {@link sendCodeBySms}. */
export type SmsOutcome =
  | 'SENT'
  | 'ALREADY_SENT'
  | 'IN_FLIGHT'
  | 'CODE_CLOSED'
  | 'NO_PHONE'
  /** The deployment offers no SMS channel. */
  | 'NO_SMS_CHANNEL';

/**
 * Texts the parcel's current code to the recipient's phone, once per code (claim, send, mark, as the
 * email). NO_PHONE: the shop gave no number; NO_SMS_CHANNEL: the deployment sends no SMS; in both, nothing
 * was claimed. A failed send releases the claim and rethrows, so a retry can claim again.
 */
async function sendCodeBySms(deps: SmsDeps, parcelId: string): Promise<SmsOutcome> {
  const nowSeconds = toEpochSeconds(deps.clock.now());
  const [record, recipient] = await Promise.all([deps.store.get(parcelId), deps.recipients.get(parcelId)]);
  if (record?.status !== 'ISSUED' || record.expiresAt <= nowSeconds) return 'CODE_CLOSED';
  const messenger = deps.messenger;
  if (!messenger) return 'NO_SMS_CHANNEL';
  if (!recipient?.phone) return 'NO_PHONE';
  const claim = await deps.store.claimSms(parcelId, record.issueId, nowSeconds, deps.claimLeaseSeconds);
  if (claim !== 'CLAIMED') return claim;
  const body = codeSmsFor(record, recipient, deps.encryptionKey);
  let messageId: string;
  try {
    ({ messageId } = await messenger.send({ to: recipient.phone, body, context: smsContext(parcelId) }));
  } catch (error) {
    await deps.store.releaseSmsClaim(parcelId, record.issueId);
    throw error;
  }
  await deps.store.markSmsSent(parcelId, record.issueId, messageId);
  return 'SENT';
}

/** Detail of `Delivery Otp Undeliverable`: ids and reasons only, never a phone, address or code. */
export type UndeliverableDetail = OtpUndeliverableDetail;

/** Why a code reached nobody: the email's fate (no phone on file), or the SMS service refused the text too. */
export type UndeliverableReason = UndeliverableDetail['reason'];

/** Dependencies of {@link fallBackToSms}. */
export interface FallbackDeps extends SmsDeps {
  /** Publishes `Delivery Otp Undeliverable`. */
  readonly publishUndeliverable: (detail: UndeliverableDetail) => Promise<void>;
}

/** The once-per-code claim on telling the shop a code reached nobody, keyed as its caller knows the code. */
export interface UndeliverableClaim {
  /** Takes the claim; false when the report was already made (or the key is no longer the code's). */
  take(): Promise<boolean>;
  /** Gives a taken claim back: the report could not be published. */
  giveBack(): Promise<void>;
}

/**
 * Tells the shop once per code that it reached nobody: takes `claim`, publishes `detail`, and gives the
 * claim back if publishing failed (so a retry publishes). False when already reported.
 */
export async function reportUndeliverable(
  claim: UndeliverableClaim,
  publishUndeliverable: (detail: UndeliverableDetail) => Promise<void>,
  detail: UndeliverableDetail,
): Promise<boolean> {
  if (!(await claim.take())) return false;
  try {
    await publishUndeliverable(detail);
  } catch (error) {
    await claim.giveBack();
    throw error;
  }
  return true;
}

/**
 * The email will not arrive (`emailReason`): texts the code once per code, or, with no phone on file, no
 * SMS channel in the deployment, or the text refused for good, tells the shop once per code with
 * `Delivery Otp Undeliverable` (the same detail for no phone and no channel). A code whose SMS already
 * went and was reported failed (SMS_FAILED) reached nobody too. A transient SMS failure or an SMS still
 * in flight throws, so the caller's retry runs this again.
 */
export async function fallBackToSms(
  deps: FallbackDeps,
  parcelId: string,
  emailReason: Exclude<UndeliverableReason, 'SMS_REJECTED'>,
): Promise<SmsOutcome | 'UNDELIVERABLE' | 'ALREADY_REPORTED'> {
  let detail: UndeliverableDetail = { parcelId, channel: 'EMAIL', reason: emailReason };
  try {
    const sms = await sendCodeBySms(deps, parcelId);
    if (sms === 'IN_FLIGHT') throw new SmsTransientError(`The SMS of ${parcelId} is in flight`);
    if (sms === 'ALREADY_SENT' && (await deps.store.get(parcelId))?.smsDelivery === 'FAILED')
      detail = { parcelId, channel: 'SMS', reason: 'SMS_FAILED' };
    else if (sms !== 'NO_PHONE' && sms !== 'NO_SMS_CHANNEL') return sms;
  } catch (error) {
    if (!(error instanceof SmsRejectedError)) throw error;
    detail = { parcelId, channel: 'SMS', reason: 'SMS_REJECTED' };
  }
  const record = await deps.store.get(parcelId);
  const nowSeconds = toEpochSeconds(deps.clock.now());
  if (!record) return 'ALREADY_REPORTED';
  const { issueId } = record;
  const claim: UndeliverableClaim = {
    take: () => deps.store.claimUndeliverableReport(parcelId, issueId, nowSeconds),
    giveBack: () => deps.store.releaseUndeliverableReport(parcelId, issueId),
  };
  if (!(await reportUndeliverable(claim, deps.publishUndeliverable, detail))) return 'ALREADY_REPORTED';
  return 'UNDELIVERABLE';
}

/** Dependencies of {@link sweepDelayedEmails}: the fallback's, and the index of delayed emails. */
export interface SweepDeps extends FallbackDeps {
  readonly delayedEmails: Pick<DeliveryStatusStore, 'listDelayedSince' | 'clearDelayed'>;
}

/**
 * Every code email SES has reported DELAYED for at least `timeoutSeconds` gets the fallback
 * ({@link fallBackToSms}, reason EMAIL_DELAYED), then leaves the delayed index. A parcel whose fallback
 * failed stays in the index for the next sweep.
 */
export async function sweepDelayedEmails(
  deps: SweepDeps,
  timeoutSeconds: number,
): Promise<{ parcelId: string; outcome: string }[]> {
  const cutoff = toEpochSeconds(deps.clock.now()) - timeoutSeconds;
  const results: { parcelId: string; outcome: string }[] = [];
  for (const parcelId of await deps.delayedEmails.listDelayedSince(cutoff)) {
    try {
      const outcome = await fallBackToSms(deps, parcelId, 'EMAIL_DELAYED');
      await deps.delayedEmails.clearDelayed(parcelId, cutoff);
      results.push({ parcelId, outcome });
    } catch (error) {
      results.push({ parcelId, outcome: `FAILED:${(error as Error).name}` });
    }
  }
  return results;
}
