/** Lifecycle state of a parcel's current code. Locked is derived from the attempt counters. */
export type OtpStatus = 'ISSUED' | 'VERIFIED' | 'REVOKED';

/** One parcel's code record as the store holds it (one item per parcel). */
export interface OtpRecord {
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
  readonly recipientEmail: string;
  readonly recipientName: string;
  readonly locale: string;
  readonly timeZone: string;
  readonly emailStatus?: 'SENDING' | 'SENT';
  readonly emailClaimedAt?: number;
  readonly verifiedAt?: number;
  readonly verifiedBy?: string;
}

/** Outcome of claiming the right to send a code's email. */
export type EmailClaim = 'CLAIMED' | 'ALREADY_SENT' | 'IN_FLIGHT';

/** Condition values for a verify attempt; the store checks all of them in one conditional write. */
export interface VerifyAttempt {
  readonly parcelId: string;
  readonly driverId: string;
  readonly codeHash: string;
  readonly nowSeconds: number;
  readonly maxWrongAttempts: number;
}

/** Result of a conditional store write: success, or the item as it was when the condition failed. */
export type ConditionalResult =
  | { readonly ok: true; readonly record: OtpRecord }
  | { readonly ok: false; readonly current: OtpRecord | undefined };

/** Persistence port for code records; the DynamoDB adapter implements it. */
export interface OtpStore {
  /** Writes the record unless the parcel already has one; returns the record that is stored now. */
  createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }>;
  get(parcelId: string): Promise<OtpRecord | undefined>;
  /** Claims the email of `issueId`; a stale SENDING claim older than the lease may be taken over. */
  claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim>;
  markEmailSent(parcelId: string, issueId: string): Promise<void>;
  /** Drops a claim after a failed send so a retry can claim again. */
  releaseEmailClaim(parcelId: string, issueId: string): Promise<void>;
  /** Binds the current, still-issued code to a driver; false when there is no such code. */
  assignDriver(parcelId: string, driverId: string): Promise<boolean>;
  /** Marks the code verified iff hash, status, expiry, attempts and driver all hold. */
  verify(attempt: VerifyAttempt): Promise<ConditionalResult>;
  /** Counts one wrong code iff the code is still open for this driver with tries left. */
  recordWrongAttempt(attempt: VerifyAttempt, issuedHash: string): Promise<ConditionalResult>;
}

/** Sends rendered emails; the SES adapter implements it. */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<{ messageId: string }>;
}

/** Time source, injected so tests control it. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
