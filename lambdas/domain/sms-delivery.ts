import * as z from 'zod/mini';
import { reportUndeliverable, SMS_PARCEL_CONTEXT, UNDELIVERABLE } from './delivery-status.ts';
import { DeliveryReportEarlyError, InvalidSmsEventError } from './errors.ts';
import type { OtpUndeliverableDetail } from './events/code-events.ts';
import { toEpochSeconds } from './expiry.ts';
import { PARCEL_ID_PATTERN } from './identifiers.ts';
import type { Clock, EmailDeliveryStatus, OtpStatus } from './otp-record.ts';
import { firstIssue } from './schema-issue.ts';
import { SMS_FAILURES, type SmsDeliveryStatus, type SmsFailure } from './sms-status.ts';

/** What End User Messaging told about one code SMS. */
export interface SmsDeliveryReport {
  readonly parcelId: string;
  readonly messageId: string;
  readonly status: Exclude<SmsDeliveryStatus, 'SENT'>;
  readonly failure?: SmsFailure;
}

/** What the SMS recorder may read of a parcel's item after a refused write (IAM allows no more). */
export interface SmsDeliveryState {
  readonly issueId: string;
  readonly status?: OtpStatus;
  readonly smsMessageId?: string;
  readonly smsStatus?: 'SENDING' | 'SENT';
  readonly smsDelivery?: SmsDeliveryStatus;
  readonly resendLeaseUntil?: number;
  readonly emailDelivery?: EmailDeliveryStatus;
}

/** The code SMS's delivery status on the code table, and the undeliverable report's claim. */
export interface SmsDeliveryStore {
  /**
   * Claims telling the shop that the code whose latest SMS is `messageId` reached nobody (once per code);
   * false if already told or the SMS is no longer the code's latest. Keyed by the SMS, not the issue id,
   * so this function's role may write no `issueId` (a condition's attribute is one IAM lets it write).
   */
  claimUndeliverableReport(parcelId: string, messageId: string, nowSeconds: number): Promise<boolean>;
  /** Gives back a claim {@link claimUndeliverableReport} took: the report could not be published. */
  releaseUndeliverableReport(parcelId: string, messageId: string): Promise<void>;
  /** Records `report` iff the latest code SMS is `report.messageId` and its status ranks lower; whether it did. */
  recordSmsDelivery(report: SmsDeliveryReport): Promise<boolean>;
  /** The parcel's code and SMS state ({@link SmsDeliveryState}); undefined without a code. */
  smsDeliveryState(parcelId: string): Promise<SmsDeliveryState | undefined>;
}

/** The SNS notification as Lambda gets it: only what is read (each record's message). */
const SnsEventSchema = z.object({
  Records: z
    .array(z.object({ Sns: z.object({ Message: z.string() }) }))
    .check(z.minLength(1), z.maxLength(100)),
});

/** An SMS event record: only what is read. `destinationPhoneNumber` is never declared, so never kept. */
const SmsEventSchema = z.object({
  eventType: z.string().check(z.regex(/^[A-Z][A-Z_]{0,63}$/)),
  messageId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/)),
  isFinal: z.optional(z.boolean()),
  context: z.optional(z.record(z.string(), z.string())),
});

/** What each event type means for a code SMS; any type not listed (queued, pending, voice…) changes nothing. */
function statusOf(eventType: string): Pick<SmsDeliveryReport, 'status' | 'failure'> | undefined {
  if (eventType === 'TEXT_SUCCESSFUL') return { status: 'ACCEPTED' };
  if (eventType === 'TEXT_DELIVERED') return { status: 'DELIVERED' };
  const failure = SMS_FAILURES.find((kind) => `TEXT_${kind}` === eventType);
  return failure ? { status: 'FAILED', failure } : undefined;
}

/**
 * The code SMS reports in an SNS notification of End User Messaging SMS's events. Events about other
 * messages (no parcel in their context, e.g. the handover receipt), types that change no status and
 * failures the service marks not final (`isFinal` false: it still retries) are left out. A malformed notification or event throws {@link InvalidSmsEventError} naming the field,
 * before anything is written.
 */
export function smsReportsFrom(event: unknown): SmsDeliveryReport[] {
  const envelope = z.safeParse(SnsEventSchema, event);
  if (!envelope.success) {
    const { field, reason } = firstIssue(envelope.error);
    throw new InvalidSmsEventError(field, reason);
  }
  return envelope.data.Records.flatMap(({ Sns }, index) => {
    const at = `Records.${index}.Sns.Message`;
    let message: unknown;
    try {
      message = JSON.parse(Sns.Message);
    } catch {
      throw new InvalidSmsEventError(at, 'not JSON');
    }
    const parsed = z.safeParse(SmsEventSchema, message);
    if (!parsed.success) {
      const { field, reason } = firstIssue(parsed.error, at);
      throw new InvalidSmsEventError(field, reason);
    }
    const { eventType, messageId, isFinal, context } = parsed.data;
    const parcelId = context?.[SMS_PARCEL_CONTEXT];
    if (parcelId === undefined) return [];
    if (!PARCEL_ID_PATTERN.test(parcelId))
      throw new InvalidSmsEventError(`${at}.context.${SMS_PARCEL_CONTEXT}`, 'not a parcel id');
    const status = statusOf(eventType);
    // A failure that is not final (a carrier briefly unreachable) is retried by the service: no fate yet.
    if (status?.status === 'FAILED' && isFinal === false) return [];
    return status ? [{ parcelId, messageId, ...status }] : [];
  });
}

/** Dependencies of {@link recordSmsDelivery}. */
export interface SmsRecordDeps {
  readonly store: SmsDeliveryStore;
  readonly clock: Clock;
  /** Publishes `Delivery Otp Undeliverable`. */
  readonly publishUndeliverable: (detail: OtpUndeliverableDetail) => Promise<void>;
}

/** Outcome of {@link recordSmsDelivery}. */
export type SmsRecordOutcome = 'RECORDED' | 'IGNORED' | 'UNDELIVERABLE' | 'ALREADY_REPORTED';

/**
 * Records End User Messaging's report on the code's latest SMS, only forward (a late, repeated or older
 * issue's event changes nothing). A failed SMS whose email will not arrive either (bounced, rejected)
 * means the open code reached nobody: `Delivery Otp Undeliverable` (SMS, SMS_FAILED), once per code, also on a
 * redelivery of the failure (so a crash after recording loses nothing). An event that arrives before the
 * sender stored the message id is retried (typed error).
 */
export async function recordSmsDelivery(
  deps: SmsRecordDeps,
  report: SmsDeliveryReport,
): Promise<SmsRecordOutcome> {
  const nowSeconds = toEpochSeconds(deps.clock.now());
  const recorded = await deps.store.recordSmsDelivery(report);
  if (recorded && report.status !== 'FAILED') return 'RECORDED';
  const state = await deps.store.smsDeliveryState(report.parcelId);
  if (!recorded) {
    const sending = state?.smsStatus === 'SENDING' || (state?.resendLeaseUntil ?? 0) > nowSeconds;
    if (state && state.status === 'ISSUED' && state.smsMessageId !== report.messageId && sending)
      throw new DeliveryReportEarlyError(report.parcelId);
    const repeatedFailure =
      report.status === 'FAILED' &&
      state?.smsMessageId === report.messageId &&
      state.smsDelivery === 'FAILED';
    if (!repeatedFailure) return 'IGNORED';
  }
  // A closed code (verified, revoked) needs no other channel: the email path reports none either.
  if (state?.status !== 'ISSUED' || !state.emailDelivery || !UNDELIVERABLE.has(state.emailDelivery))
    return 'RECORDED';
  // The claim is the failed SMS's (its message id): a reissue or a resend replaces it, as it replaces the issue.
  const { parcelId, messageId } = report;
  const reported = await reportUndeliverable(
    {
      take: () => deps.store.claimUndeliverableReport(parcelId, messageId, nowSeconds),
      giveBack: () => deps.store.releaseUndeliverableReport(parcelId, messageId),
    },
    deps.publishUndeliverable,
    { parcelId, channel: 'SMS', reason: 'SMS_FAILED' },
  );
  return reported ? 'UNDELIVERABLE' : 'ALREADY_REPORTED';
}
