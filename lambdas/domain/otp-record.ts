import type { BindingOutcome } from './binding.ts';
import type { SmsDeliveryFields, TextMessage } from './sms-status.ts';

/** Lifecycle state of a parcel's current code. Locked is derived from the attempt counters. */
export type OtpStatus = 'ISSUED' | 'VERIFIED' | 'REVOKED';

/**
 * One parcel's code record as the store holds it (one item per parcel). It holds no recipient details:
 * those are a {@link RecipientRecord}, in a table the verify path cannot read.
 */
export interface OtpRecord extends SmsDeliveryFields {
  readonly parcelId: string;
  readonly orderId: string;
  /** Changes with every (re)issue; binds hash, ciphertext and email claims to one code. */
  readonly issueId: string;
  readonly codeHash: string;
  readonly codeCiphertext: string;
  readonly status: OtpStatus;
  /** Epoch seconds; the code is valid while now < expiresAt. */
  readonly expiresAt: number;
  /** Epoch seconds for DynamoDB TTL clean-up only; never consulted for validity. */
  readonly ttl: number;
  readonly issuedAt: number;
  readonly deliveryDate: string;
  readonly wrongAttempts: number;
  readonly totalWrongAttempts: number;
  readonly driverId?: string;
  /** Epoch seconds of the event that last bound or unbound the driver; older events cannot rebind. */
  readonly boundAt?: number;
  readonly timeZone: string;
  readonly emailStatus?: 'SENDING' | 'SENT';
  readonly emailClaimedAt?: number;
  readonly verifiedAt?: number;
  /** `verifiedAt` as ISO-8601 (ms), as `Parcel Handover Verified` carries it; the stream's pipe copies it. */
  readonly verifiedAtIso?: string;
  readonly verifiedBy?: string;
  /** 1 for the first code, +1 with every reissue (picks the email template). */
  readonly issueCount?: number;
  /** Hash of the code a reissue replaced, so that code is refused as revoked, not counted as wrong. */
  readonly previousCodeHash?: string;
  /** Set when the parcel was returned or cancelled: no code is ever issued again. */
  readonly closedAt?: number;
  readonly revokedAt?: number;
  /** `revokedAt`, but only apply-lifecycle may write it: the handover pipe's gate (no role forges it). */
  readonly lifecycleRevokedAt?: number;
  /** Resends of the current code (reset by a reissue). */
  readonly resendCount?: number;
  readonly receiptStatus?: 'SENDING' | 'SENT' | 'NO_RECIPIENT';
  readonly receiptClaimedAt?: number;
  /** Event time (epoch seconds) of the last lifecycle event applied; older events change nothing. */
  readonly lastLifecycleAt?: number;
  /** Which event that was ({@link LifecycleOrder.eventKey}), so a redelivery of it changes nothing. */
  readonly lastLifecycleEvent?: string;
  /** Epoch seconds until which a resend of the current code may be on its way to SES. */
  readonly resendLeaseUntil?: number;
  /** SES's id of the code's latest email: only SES events about this message change its status. */
  readonly emailMessageId?: string;
  /** The latest code email's fate as SES reported it ({@link EmailDeliveryStatus}). */
  readonly emailDelivery?: EmailDeliveryStatus;
  /** {@link DELIVERY_RANK} of `emailDelivery`: a write needs a higher rank, so status never goes back. */
  readonly emailDeliveryRank?: number;
  /** SES's `bounceType` (`Permanent`, `Transient`, `Undetermined`) when the email bounced. */
  readonly emailBounceType?: string;
  /** The code's SMS: claimed (in flight) or sent; at most one fallback SMS per code. */
  readonly smsStatus?: 'SENDING' | 'SENT';
  readonly smsClaimedAt?: number;
  /** Epoch seconds until which a claimed code SMS may be on its way (a reissue or revoke waits for it). */
  readonly smsLeaseUntil?: number;
  /** Set while the email is DELAYED (sparse index `DelayedEmails`): `DELAYED` and since when. */
  readonly delayedShard?: string;
  readonly delayedAt?: number;
  /** Epoch seconds when `Delivery Otp Undeliverable` was (being) published for this code. */
  readonly undeliverableAt?: number;
  /** The channel that last reached the recipient with this parcel's code; a reissue follows it. */
  readonly lastChannel?: Channel;
}

/** Ways a code reaches its recipient. */
export type Channel = 'EMAIL' | 'SMS';

/** A code email's fate, from SES's events: accepted, delayed, delivered, bounced, rejected, complained about. */
export type EmailDeliveryStatus = 'SENT' | 'DELAYED' | 'DELIVERED' | 'BOUNCED' | 'REJECTED' | 'COMPLAINED';

/**
 * Order of the statuses: a status is recorded only over a lower one, so a late or duplicate event changes
 * nothing (a Delivery after a Bounce, a second Send). Bounce, Reject and Delivery end SES's attempts; a
 * complaint only follows a delivery.
 */
export const DELIVERY_RANK: Readonly<Record<EmailDeliveryStatus, number>> = {
  SENT: 1,
  DELAYED: 2,
  DELIVERED: 3,
  BOUNCED: 4,
  REJECTED: 4,
  COMPLAINED: 5,
};

/** Outcome of claiming the right to send something once: the code's email or SMS, a receipt. */
export type SendClaim = 'CLAIMED' | 'ALREADY_SENT' | 'IN_FLIGHT' | 'CODE_CLOSED';

/** Outcome of claiming the code's email ({@link CodeEmailClaims.claimEmail}). */
export type EmailClaim = SendClaim;

/** Outcome of claiming the code's SMS ({@link CodeSmsClaims.claimSms}). */
export type SmsClaim = SendClaim;

/** Outcome of claiming the handover receipt (ALREADY_SENT: settled, sent or with nobody to tell). */
export type ReceiptClaim = Exclude<SendClaim, 'CODE_CLOSED'> | 'NO_RECORD';

/** Condition values for a verify attempt; the store checks all of them in one conditional write. */
export interface VerifyAttempt {
  readonly parcelId: string;
  readonly driverId: string;
  readonly codeHash: string;
  readonly nowSeconds: number;
  /** The same instant as ISO-8601: stored on a verify, the handover event carries it as `verifiedAt`. */
  readonly nowIso: string;
  readonly maxWrongAttempts: number;
  /** Cap on wrong codes across all of the parcel's codes; unchecked when omitted. */
  readonly maxWrongAttemptsPerParcel?: number;
}

/**
 * Result of a conditional store write: success, or the item as it was when the condition failed. An item
 * with no code yet (an early Out For Delivery's placeholder) is no record, but says whom it is bound to.
 */
export type ConditionalResult =
  | { readonly ok: true; readonly record: OtpRecord }
  | { readonly ok: false; readonly current: OtpRecord | undefined; readonly placeholderDriverId?: string };

/** Reads a parcel's code record; every code store port has it. */
export interface CodeReader {
  get(parcelId: string): Promise<OtpRecord | undefined>;
}

/**
 * What verify may read of a parcel's item to tell why a code was refused: status, expiry, tries and the
 * bound driver. Never a hash: verify decides by conditions, and IAM lets it read nothing else.
 */
export interface VerifyState {
  /** False for an item holding no code (an early binding's placeholder, a closure). */
  readonly hasCode: boolean;
  readonly status?: OtpStatus;
  readonly expiresAt?: number;
  readonly wrongAttempts: number;
  readonly totalWrongAttempts: number;
  readonly driverId?: string;
}

/** The wrong-code counters right after a wrong code was counted. */
export interface WrongCodeCount {
  readonly wrongAttempts: number;
  readonly totalWrongAttempts: number;
}

/** Codes and verification: issuing, binding a driver, checking a code. The DynamoDB code store implements it. */
export interface CodeStore extends CodeReader {
  /** Writes the record unless the parcel already has one; returns the record that is stored now. */
  createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }>;
  /**
   * Binds the current, still-issued code to a driver, unless a newer event (by `eventSeconds`) already
   * bound or unbound it. Before the code exists the binding waits in a placeholder that expires at
   * `placeholderTtl`. Otherwise why not: the parcel was closed, handed over (VERIFIED), its code revoked,
   * or the event is older than the last binding (STALE).
   */
  assignDriver(
    parcelId: string,
    driverId: string,
    eventSeconds: number,
    placeholderTtl: number,
  ): Promise<BindingOutcome>;
  /** Marks the code verified iff hash, status, expiry, attempts and driver all hold; answers only whether it did. */
  verify(attempt: VerifyAttempt): Promise<boolean>;
  /** The item as verify may see it (no hash); undefined when there is no item. */
  verifyState(parcelId: string): Promise<VerifyState | undefined>;
  /**
   * Counts one wrong code iff the attempt's hash is neither the current code's nor the one a reissue
   * replaced, and the code is still open for this driver with tries left; undefined when not counted.
   */
  recordWrongAttempt(attempt: VerifyAttempt): Promise<WrongCodeCount | undefined>;
}

/** The code's email, once per issue. */
export interface CodeEmailClaims {
  /**
   * Claims the email of `issueId` while that code is still open (issued, unexpired); a SENDING claim
   * older than the lease may be taken over. CODE_CLOSED: revoked, verified or expired meanwhile.
   */
  claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim>;
  /** Marks the email of `issueId` sent; with SES's message id, its delivery status starts at SENT. */
  markEmailSent(parcelId: string, issueId: string, messageId?: string): Promise<void>;
  /** Drops a claim after a failed send so a retry can claim again. */
  releaseEmailClaim(parcelId: string, issueId: string): Promise<void>;
}

/** The code's SMS (the second channel), once per issue. */
export interface CodeSmsClaims {
  /** Claims the SMS of `issueId` while the code is open (issued, unexpired); stale claims may be taken over. */
  claimSms(parcelId: string, issueId: string, nowSeconds: number, leaseSeconds: number): Promise<SmsClaim>;
  /** Marks the SMS of `issueId` sent; with the service's message id, its delivery status starts at SENT. */
  markSmsSent(parcelId: string, issueId: string, messageId?: string): Promise<void>;
  releaseSmsClaim(parcelId: string, issueId: string): Promise<void>;
}

/** What a resend changes: it is counted, holds the code while in flight, and is given back when not sent. */
export interface ResendLeaseOptions {
  readonly nowSeconds: number;
  readonly maxResends: number;
  /** Epoch seconds until which the resend holds the code (a reissue or revoke waits). */
  readonly leaseUntil: number;
}

/** Resends of the current code, by email or SMS. */
export interface ResendClaims {
  /**
   * Counts one resend iff the code is still the one given, open, under `maxResends` and no other resend
   * is in flight; holds the code until `leaseUntil` (a reissue or revoke waits) or until released.
   */
  countResend(parcelId: string, issueId: string, resend: ResendLeaseOptions): Promise<ConditionalResult>;
  /** Records that a resend texted the current code (`smsStatus` SENT, last channel SMS, its message id). */
  markSmsResent(parcelId: string, issueId: string, messageId?: string): Promise<void>;
  /** Ends a resend's hold on the code; `giveBack` uncounts the resend (the email or SMS was not taken). */
  releaseResend(
    parcelId: string,
    issueId: string,
    hold: { readonly leaseUntil: number; readonly giveBack: boolean },
  ): Promise<void>;
}

/** The handover receipt's email, once per parcel. */
export interface ReceiptClaims {
  /** Claims the receipt once per parcel, whatever its status (the claim stops the pipe); stale claims may be taken over. */
  claimReceipt(parcelId: string, nowSeconds: number, leaseSeconds: number): Promise<ReceiptClaim>;
  markReceiptSent(parcelId: string): Promise<void>;
  /** Settles the claim with nobody to tell (the recipient is deleted): never claimed again. */
  markReceiptNoRecipient(parcelId: string): Promise<void>;
  releaseReceiptClaim(parcelId: string): Promise<void>;
}

/** Telling the shop that a code reached nobody, once per code. */
export interface UndeliverableReportClaims {
  /** Claims telling the shop that `issueId` cannot be delivered (once per code); false if already told. */
  claimUndeliverableReport(parcelId: string, issueId: string, nowSeconds: number): Promise<boolean>;
  releaseUndeliverableReport(parcelId: string, issueId: string): Promise<void>;
}

/**
 * Delivery claims: everything sent at most once (the code's email and SMS, resends, the receipt, the
 * undeliverable report), each held by a lease while in flight. The DynamoDB delivery claims implement it.
 */
export interface DeliveryClaimStore
  extends CodeReader,
    CodeEmailClaims,
    CodeSmsClaims,
    ResendClaims,
    ReceiptClaims,
    UndeliverableReportClaims {}

/** Fields a reissue replaces. */
export interface ReissueFields {
  readonly issueId: string;
  readonly codeHash: string;
  readonly codeCiphertext: string;
  readonly expiresAt: number;
  readonly ttl: number;
  readonly issuedAt: number;
  readonly deliveryDate: string;
}

/**
 * Where a lifecycle event stands in time: its EventBridge event time (epoch seconds) and a key naming the
 * event (not a secret), so a redelivery or replay of the same event (same time, same key) is told apart
 * from another event stamped in the same second.
 */
export interface LifecycleOrder {
  readonly eventAt: number;
  readonly eventKey: string;
}

/** A reissue's place in time: its lifecycle order, now, and the binding it keeps (if newer than the failure). */
export interface ReissueOrder extends LifecycleOrder {
  readonly nowSeconds: number;
  readonly keepBindingAt?: number;
}

/** What a reissue needs: the code it replaces, the new code's fields, the parcel's cap, its place in time. */
export interface ReissueOptions {
  readonly expectedIssueId: string;
  readonly fields: ReissueFields;
  readonly maxWrongPerParcel: number;
  readonly order: ReissueOrder;
}

/** How a revoke applies: `close` (returned, cancelled) also bars any future code; `order` orders it. */
export interface RevokeOptions {
  readonly nowSeconds: number;
  readonly close: boolean;
  readonly order?: LifecycleOrder;
}

/** The lifecycle of a parcel's code: reissued after a failed attempt, revoked, closed. */
export interface LifecycleStore extends CodeReader {
  /**
   * Replaces the code iff the record still holds `expectedIssueId`, is neither verified nor closed, the
   * parcel's wrong codes are under `maxWrongPerParcel`, no lifecycle event at or after `order` was
   * applied yet, and no resend of the current code is in flight (`resendLeaseUntil` > `nowSeconds`).
   * `keepBindingAt`: a binding newer than the failure stays (and must still be the one seen); otherwise
   * the driver is unbound as of `order.eventAt`, unless a newer binding appeared meanwhile.
   */
  reissue(parcelId: string, reissue: ReissueOptions): Promise<ConditionalResult>;
  /**
   * Revokes the code unless verified, closed (a closure may close again) or a resend or SMS of it is in
   * flight; `close` also bars any future code and applies whatever its time (a closure is final). With `order`, only if no lifecycle event at
   * or after it was applied yet.
   */
  revoke(parcelId: string, revoke: RevokeOptions): Promise<ConditionalResult>;
}

/** What SES told about one message, for {@link DeliveryStatusStore.recordEmailDelivery}. */
export interface EmailDeliveryReport {
  readonly parcelId: string;
  readonly messageId: string;
  readonly status: EmailDeliveryStatus;
  readonly bounceType?: string;
  /** Epoch seconds the report was recorded; a DELAYED email waits in the delayed index from then. */
  readonly recordedAt?: number;
}

/** The code email's delivery status as SES reports it, and the delayed emails' index. */
export interface DeliveryStatusStore {
  /**
   * Records `report` iff the record's latest email is `report.messageId` and its status ranks lower;
   * otherwise changes nothing and returns the record as it is.
   */
  recordEmailDelivery(report: EmailDeliveryReport): Promise<ConditionalResult>;
  /** Parcels whose email has been DELAYED since `cutoffSeconds` or earlier (the sparse delayed index). */
  listDelayedSince(cutoffSeconds: number): Promise<string[]>;
  /** Takes the parcel out of the delayed index iff its email is still the DELAYED one from before `cutoffSeconds`. */
  clearDelayed(parcelId: string, cutoffSeconds: number): Promise<void>;
}

/** Who a parcel's code is for: kept apart from the code record, where the verify path cannot read it. */
export interface RecipientRecord {
  readonly parcelId: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string;
  /** Mobile number in E.164 (`+4915112345678`), when the shop gave one: the code's second channel. */
  readonly phone?: string;
  /** Epoch seconds for DynamoDB TTL; never earlier than the ttl of the parcel's code record. */
  readonly ttl: number;
}

/** Reads a parcel's recipient; for the functions that email the recipient or match them. */
export interface RecipientReader {
  get(parcelId: string): Promise<RecipientRecord | undefined>;
}

/** Writes a parcel's recipient; for issuing and the lifecycle (they never read it). */
export interface RecipientWriter {
  /**
   * Keeps `recipient` for the parcel. The first one written wins while it lives (a duplicate event cannot
   * redirect the code); one whose ttl has passed is replaced. The ttl only ever moves later.
   */
  save(recipient: RecipientRecord, nowSeconds: number): Promise<void>;
  /** Moves the recipient's ttl up to `ttl`, never earlier; nothing if there is no recipient. */
  extendTtl(parcelId: string, ttl: number): Promise<void>;
  /** Forgets the recipient (the parcel was returned or cancelled). */
  delete(parcelId: string): Promise<void>;
}

/** Sends rendered emails; the SES adapter implements it. */
export interface Mailer {
  send(message: {
    to: string;
    subject: string;
    text: string;
    html: string;
    /** SES message tags (ASCII letters, digits, `_`, `-`): SES's events about the message carry them. */
    tags?: Readonly<Record<string, string>>;
  }): Promise<{ messageId: string }>;
}

/** Sends text messages (`context`: ids the service's events about it echo); the SMS adapter implements it. */
export interface TextMessenger {
  send(message: TextMessage): Promise<{ messageId: string }>;
}

/** Time source, injected so tests control it. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
