import type { HandlerName } from './environment.ts';

/** `ReturnValues` an UpdateItem may ask for: nothing (`UPDATED_NEW` would answer whatever its expression names). */
export type AllowedReturnValues = 'NONE';

/**
 * What one function may touch in one table, attribute by attribute. The adapters send exactly these
 * requests and the stack turns each into an IAM statement whose conditions (`dynamodb:Attributes`,
 * `dynamodb:ReturnValues`, `dynamodb:Select`) allow nothing else: one definition for both.
 */
export interface TableAccess {
  /**
   * UpdateItem: every top-level attribute its expressions write or test (DynamoDB counts a condition's
   * attributes too), the key included, and the ReturnValues it may ask for.
   */
  readonly update?: {
    readonly attributes: readonly string[];
    readonly returnValues: readonly AllowedReturnValues[];
  };
  /** GetItem with a projection of these attributes only (`Select` SPECIFIC_ATTRIBUTES), the key included. */
  readonly read?: readonly string[];
  /** DeleteItem, answering nothing (`ReturnValues` NONE: never the deleted item). */
  readonly delete?: true;
}

/**
 * The attributes verify's conditional writes name: its verdict (`status`, `verifiedAt`, `verifiedAtIso`,
 * `verifiedBy`), the counters, and what its conditions test. Nothing of delivery (email, SMS, receipt,
 * delayed index), issuing (`issueId`, `orderId`, ciphertext) or lifecycle: a stolen verify credential
 * cannot make other parts send or announce anything a verified code would not.
 */
const VERIFY_WRITES = [
  'parcelId',
  'status',
  'verifiedAt',
  'verifiedAtIso',
  'verifiedBy',
  'codeHash',
  'previousCodeHash',
  'expiresAt',
  'wrongAttempts',
  'totalWrongAttempts',
  'driverId',
] as const;

/** What verify reads to tell why a code was refused: never `codeHash` or `previousCodeHash`. */
const VERIFY_READS = [
  'parcelId',
  'issueId',
  'status',
  'expiresAt',
  'wrongAttempts',
  'totalWrongAttempts',
  'driverId',
] as const;

/**
 * assign-driver binds: the driver, when, the placeholder's ttl, and what its condition tests (a code
 * exists and is neither verified nor revoked, the parcel is not closed). Never `status`: it cannot reopen
 * a revoked code.
 */
const ASSIGN_WRITES = [
  'parcelId',
  'driverId',
  'boundAt',
  'ttl',
  'issueId',
  'closedAt',
  'revokedAt',
  'verifiedAt',
] as const;

/** The narrow grants, by function and by the variable naming the table. */
export const TABLE_ACCESS = {
  'verify-otp': {
    OTP_TABLE_NAME: {
      // NONE only: UPDATED_NEW of `SET codeHash = codeHash` would answer the hash.
      update: { attributes: VERIFY_WRITES, returnValues: ['NONE'] },
      read: VERIFY_READS,
    },
  },
  'assign-driver': {
    OTP_TABLE_NAME: {
      update: { attributes: ASSIGN_WRITES, returnValues: ['NONE'] },
      // Why a binding was refused (the refused event's reason): the stamps only.
      read: ['parcelId', 'closedAt', 'verifiedAt', 'revokedAt'],
    },
  },
  // Whether a parcel needing no code has one anyway: its issue id and nothing else.
  'check-value': { OTP_TABLE_NAME: { read: ['parcelId', 'issueId'] } },
  // End User Messaging's reports on a code SMS: its status, and the undeliverable report's claim; it reads
  // back only what tells an early, stale or failed report apart. Never a hash, ciphertext or the recipient.
  'record-sms-delivery': {
    OTP_TABLE_NAME: {
      update: {
        attributes: [
          'parcelId',
          'smsMessageId',
          'smsDelivery',
          'smsDeliveryRank',
          'smsFailure',
          'undeliverableAt',
        ],
        returnValues: ['NONE'],
      },
      read: [
        'parcelId',
        'issueId',
        'status',
        'smsMessageId',
        'smsStatus',
        'smsDelivery',
        'resendLeaseUntil',
        'emailDelivery',
      ],
    },
  },
  // Track Package matches the recipient by email; it never needs their name or phone.
  'track-otp': { RECIPIENT_TABLE_NAME: { read: ['parcelId', 'email'] } },
  // The receipt's address, salutation and language; the phone for the receipt by SMS after a bounce.
  'send-receipt': { RECIPIENT_TABLE_NAME: { read: ['parcelId', 'email', 'name', 'locale', 'phone'] } },
  // Issuing writes the recipient (and forgets it for a closed parcel); it never reads it back.
  'issue-otp': {
    RECIPIENT_TABLE_NAME: {
      update: { attributes: ['parcelId', 'email', 'name', 'locale', 'phone', 'ttl'], returnValues: ['NONE'] },
      delete: true,
    },
  },
  // A reissue extends the recipient's ttl, a closure forgets them; neither reads them.
  'apply-lifecycle': {
    RECIPIENT_TABLE_NAME: {
      update: { attributes: ['parcelId', 'ttl'], returnValues: ['NONE'] },
      delete: true,
    },
  },
} as const satisfies Partial<Record<HandlerName, Record<string, TableAccess>>>;

/** The handlers with a narrow grant. */
export type NarrowHandler = keyof typeof TABLE_ACCESS;

/** The table variables a narrowly granted handler has. */
export type NarrowTable<H extends NarrowHandler> = keyof (typeof TABLE_ACCESS)[H] & string;

/** What `handler` may touch in the table named by `variable`. */
export function tableAccess<H extends NarrowHandler>(handler: H, variable: NarrowTable<H>): TableAccess {
  return (TABLE_ACCESS[handler] as Record<string, TableAccess>)[variable] as TableAccess;
}
