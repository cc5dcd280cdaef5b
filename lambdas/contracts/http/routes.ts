/**
 * The HTTP contract, defined once: every route's method, path, authorization, request and every answer it
 * gives (`{ code, message }` body, status, headers). Used by `lib/` (routes, scopes, invoke grants), the
 * handlers and their error middleware (status and code per typed error), the OpenAPI generator
 * (`scripts/openapi-document.ts`) and the tests. Plain data, importing only the paths (`paths.ts`) at
 * runtime: the HTTP handlers import it, and their cold start is benchmarked (body schemas for the document
 * live in `schemas.ts`).
 */
import type { RecipientRefusal } from '../../domain/recipient.ts';
import type { VerifyRejection } from '../../domain/verification.ts';
import { RESEND_PATH, TRACK_PATH, VERIFY_PATH } from './paths.ts';

/** Identifier of the driver pool's resource server; scopes are named `<identifier>/<scope>`. */
export const DRIVER_RESOURCE_SERVER = 'secure-delivery';
/** Name of the scope the verify route requires, within {@link DRIVER_RESOURCE_SERVER}. */
export const VERIFY_SCOPE_NAME = 'verify';
/** The scope a token must carry to verify, `secure-delivery/verify` (only access tokens carry scopes). */
export const VERIFY_SCOPE = `${DRIVER_RESOURCE_SERVER}/${VERIFY_SCOPE_NAME}`;

/** Largest request body accepted; a code body is ~20 bytes. */
export const MAX_BODY_BYTES = 1024;
/** Most fields a request body may have (the document's `maxProperties`); unknown fields are ignored. */
export const MAX_BODY_FIELDS = 8;

/** One answer of a route other than its success: status, `{ code, message? }` body and headers. */
export interface ErrorAnswer {
  readonly status: number;
  /** Machine-readable `code` of the body. */
  readonly code: string;
  /** The body's `message`; without one the body is `{ code }` alone (a recipient refusal says no more). */
  readonly message?: string;
  /** Sent as `retry-after` (seconds): the caller may try again after this long. */
  readonly retryAfterSeconds?: number;
  /** When this answer is given (the OpenAPI document's words). */
  readonly description: string;
}

/** Who may call a route: a Cognito access token with scopes (JWT authorizer), or SigV4 (IAM authorizer). */
export type RouteAuthorization =
  | { readonly type: 'jwt'; readonly scopes: readonly string[] }
  | { readonly type: 'iam' };

/** A request header a route reads. */
export interface RequestHeader {
  readonly name: string;
  readonly description: string;
}

/** One route of the API; `Refusal` names the refusals its domain function returns. */
export interface RouteContract<Refusal extends string = string> {
  /** Short name: the integration's construct id (`<name>Integration`) and the log lines' subject. */
  readonly name: string;
  /** OpenAPI `operationId`. */
  readonly operationId: string;
  readonly method: 'GET' | 'POST';
  /** API Gateway route path; `{parcelId}` is a path parameter. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly authorization: RouteAuthorization;
  readonly requestHeaders: readonly RequestHeader[];
  /** `required`: the body must be present; `optional`: an empty body is allowed; `none`: not read. */
  readonly requestBody: 'required' | 'optional' | 'none';
  /** Success status; its body shape is in `schemas.ts` under this route's operationId. */
  readonly successStatus: number;
  readonly successDescription: string;
  /** Refusals of a malformed request, each thrown as a `BadRequestError` carrying its answer. */
  readonly badRequests: readonly ErrorAnswer[];
  /** Typed errors (by `name`) the handler lets through, and the answer each one maps to. */
  readonly errors: Readonly<Record<string, ErrorAnswer>>;
  /** Refusals the domain returns (not throws), by their code. */
  readonly refusals: Readonly<Record<Refusal, ErrorAnswer>>;
}

// Each answer its own constant, no spreads, no property reads: esbuild then drops what a handler does not use.
const INVALID_PARCEL_ID = {
  status: 400,
  code: 'INVALID_PARCEL_ID',
  message: 'parcelId must be 1-64 of A-Z a-z 0-9 . _ -',
  description: 'The parcelId path parameter breaks its pattern',
} as const satisfies ErrorAnswer;
const BODY_REQUIRED = {
  status: 400,
  code: 'MALFORMED_REQUEST',
  message: 'Body is required',
  description: 'No body',
} as const satisfies ErrorAnswer;
const BODY_NOT_JSON = {
  status: 400,
  code: 'MALFORMED_REQUEST',
  message: 'Body must be JSON',
  description: 'The body is not JSON',
} as const satisfies ErrorAnswer;
const BODY_NOT_OBJECT = {
  status: 400,
  code: 'MALFORMED_REQUEST',
  message: 'Body must be a JSON object',
  description: 'The body is JSON but not an object',
} as const satisfies ErrorAnswer;
const BODY_TOO_MANY_FIELDS = {
  status: 400,
  code: 'MALFORMED_REQUEST',
  message: `Body must have at most ${MAX_BODY_FIELDS} fields`,
  description: `The body has more than ${MAX_BODY_FIELDS} fields`,
} as const satisfies ErrorAnswer;
const PAYLOAD_TOO_LARGE = {
  status: 413,
  code: 'PAYLOAD_TOO_LARGE',
  message: `Body must be at most ${MAX_BODY_BYTES} bytes`,
  description: `The body is larger than ${MAX_BODY_BYTES} bytes`,
} as const satisfies ErrorAnswer;
const INVALID_CODE_FORMAT = {
  status: 400,
  code: 'INVALID_CODE_FORMAT',
  message: 'code must be a string of exactly 6 digits 0-9',
  description: 'code is not a string of exactly 6 ASCII digits',
} as const satisfies ErrorAnswer;
const NOT_AN_ACCESS_TOKEN = {
  status: 401,
  code: 'UNAUTHORIZED',
  message: 'Only an access token may verify',
  description: 'The token is not an access token',
} as const satisfies ErrorAnswer;
const NO_DRIVER = {
  status: 401,
  code: 'UNAUTHORIZED',
  message: 'The token names no driver',
  description: 'The token carries no driver id (in the claim the deployment names)',
} as const satisfies ErrorAnswer;
const INVALID_CHANNEL = {
  status: 400,
  code: 'INVALID_CHANNEL',
  message: 'channel must be EMAIL or SMS',
  description: 'channel is neither EMAIL nor SMS',
} as const satisfies ErrorAnswer;
const CHANNEL_NOT_OFFERED = {
  status: 422,
  code: 'CHANNEL_NOT_OFFERED',
  message: 'This deployment does not send codes by SMS',
  description: 'An SMS resend, and the deployment offers no SMS channel',
} as const satisfies ErrorAnswer;

/** Every malformed request is a 4xx with a reason; each answer names its rule. */
export const RequestErrors = {
  INVALID_PARCEL_ID,
  BODY_REQUIRED,
  BODY_NOT_JSON,
  BODY_NOT_OBJECT,
  BODY_TOO_MANY_FIELDS,
  PAYLOAD_TOO_LARGE,
  INVALID_CODE_FORMAT,
  NOT_AN_ACCESS_TOKEN,
  NO_DRIVER,
  INVALID_CHANNEL,
  CHANNEL_NOT_OFFERED,
} as const;

/** A dependency (DynamoDB, KMS) stayed throttled or unavailable after the SDK's retries. */
export const TRY_AGAIN_BUSY: ErrorAnswer = {
  status: 503,
  code: 'TRY_AGAIN',
  message: 'Busy, try again shortly',
  retryAfterSeconds: 1,
  description: 'A dependency is throttled or unavailable; try again after retry-after seconds',
};

/** Anything unexpected: logged by name, answered without details. */
export const INTERNAL_ERROR: ErrorAnswer = {
  status: 500,
  code: 'INTERNAL_ERROR',
  message: 'Internal error',
  description: 'An unexpected failure; nothing about it is disclosed',
};

// NOT_ASSIGNED is the one answer for a parcel with a code, without one, and unknown: no oracle for value.
const VERIFY_REFUSALS: Record<VerifyRejection, ErrorAnswer> = {
  NOT_ASSIGNED: {
    status: 403,
    code: 'NOT_ASSIGNED',
    message: 'This parcel is not out for delivery with you',
    description: 'The parcel is not out for delivery with this driver (or has no code, or is unknown)',
  },
  NOT_FOUND: {
    status: 404,
    code: 'NOT_FOUND',
    message: 'No code exists for this parcel',
    description: 'The parcel assigned to this driver has no code',
  },
  ALREADY_VERIFIED: {
    status: 409,
    code: 'ALREADY_VERIFIED',
    message: 'This parcel was already handed over',
    description: 'The parcel was already handed over',
  },
  EXPIRED: { status: 410, code: 'EXPIRED', message: 'The code has expired', description: 'The code expired' },
  REVOKED: {
    status: 410,
    code: 'REVOKED',
    message: 'The code was revoked',
    description: 'The code was revoked (parcel returned, cancelled or reissued)',
  },
  LOCKED: {
    status: 423,
    code: 'LOCKED',
    message: 'Too many wrong codes: the code is locked',
    description: 'Too many wrong codes: the code (or the parcel) is locked; attemptsRemaining is 0',
  },
  WRONG_CODE: {
    status: 422,
    code: 'WRONG_CODE',
    message: 'Wrong code',
    description: 'Wrong code; attemptsRemaining says how many tries are left',
  },
};

// A returned or cancelled parcel forgets its recipient at once, so nobody can be told apart from them:
// it answers as an unknown parcel does (410 would tell any asker the parcel exists).
const RECIPIENT_NOT_FOUND: ErrorAnswer = {
  status: 404,
  code: 'NOT_FOUND',
  description:
    'No code for this parcel and recipient (unknown parcel, other recipient, no valid header, or a parcel returned or cancelled)',
};
const RECIPIENT_ALREADY_VERIFIED: ErrorAnswer = {
  status: 409,
  code: 'ALREADY_VERIFIED',
  description: 'The parcel was already handed over',
};
const RECIPIENT_REVOKED: ErrorAnswer = {
  status: 410,
  code: 'REVOKED',
  description: 'The code was revoked after a failed delivery attempt',
};
const RECIPIENT_EXPIRED: ErrorAnswer = { status: 410, code: 'EXPIRED', description: 'The code expired' };

/** A wrong recipient reads exactly like a missing parcel: the refusals carry no message. */
export const RECIPIENT_REFUSALS: Readonly<Record<RecipientRefusal, ErrorAnswer>> = {
  NOT_FOUND: RECIPIENT_NOT_FOUND,
  ALREADY_VERIFIED: RECIPIENT_ALREADY_VERIFIED,
  REVOKED: RECIPIENT_REVOKED,
  EXPIRED: RECIPIENT_EXPIRED,
  TOO_MANY_RESENDS: { status: 429, code: 'TOO_MANY_RESENDS', description: 'This code was resent too often' },
  RESEND_IN_FLIGHT: {
    status: 503,
    code: 'TRY_AGAIN',
    message: 'A resend of this code is in progress, try again shortly',
    retryAfterSeconds: 5,
    description: 'Another resend of this code is being sent; try again after retry-after seconds',
  },
  NO_PHONE: {
    status: 422,
    code: 'NO_PHONE',
    description: 'An SMS resend, and the shop gave no phone number',
  },
};

/** The code could not be handed to SES or the SMS service (throttled, transient, in flight, or refused setup). */
const SEND_FAILED: ErrorAnswer = {
  status: 503,
  code: 'TRY_AGAIN',
  message: 'The code could not be sent, try again shortly',
  retryAfterSeconds: 5,
  description:
    'The code could not be sent now (the resend was given back); try again after retry-after seconds',
};

const RECIPIENT_HEADER: RequestHeader = {
  name: 'x-recipient-email',
  description: "The shop's signed-in customer's email address; a parcel for anyone else reads as NOT_FOUND",
};

/** `POST /parcels/{parcelId}/verify`: the driver's handover check. */
export const VERIFY_ROUTE: RouteContract<VerifyRejection> = {
  name: 'Verify',
  operationId: 'verifyHandover',
  method: 'POST',
  path: VERIFY_PATH,
  summary: 'Verify the code the recipient shows at the door',
  description:
    'Checks the 6-digit code for a parcel out for delivery with the calling driver; a success marks the handover.',
  // ID tokens carry no scope, so requiring one admits only the drivers' access tokens.
  authorization: { type: 'jwt', scopes: [VERIFY_SCOPE] },
  requestHeaders: [],
  requestBody: 'required',
  successStatus: 200,
  successDescription: 'The code was right: the parcel is handed over',
  badRequests: [
    INVALID_PARCEL_ID,
    BODY_REQUIRED,
    BODY_NOT_JSON,
    BODY_NOT_OBJECT,
    BODY_TOO_MANY_FIELDS,
    PAYLOAD_TOO_LARGE,
    INVALID_CODE_FORMAT,
    NOT_AN_ACCESS_TOKEN,
    NO_DRIVER,
  ],
  errors: { StoreThrottledError: TRY_AGAIN_BUSY, KeyServiceUnavailableError: TRY_AGAIN_BUSY },
  refusals: VERIFY_REFUSALS,
};

/** The refusals Track Package can meet (a resend's own refusals cannot happen there). */
export type TrackRefusal = Extract<
  RecipientRefusal,
  'NOT_FOUND' | 'ALREADY_VERIFIED' | 'REVOKED' | 'EXPIRED'
>;

/** `GET /parcels/{parcelId}/otp`: Track Package shows the recipient their current code. */
export const TRACK_ROUTE: RouteContract<TrackRefusal> = {
  name: 'Track',
  operationId: 'trackCode',
  method: 'GET',
  path: TRACK_PATH,
  summary: "Show the recipient their parcel's current code",
  description:
    "Called by the shop's backend (SigV4) on behalf of its signed-in customer, named in x-recipient-email.",
  authorization: { type: 'iam' },
  requestHeaders: [RECIPIENT_HEADER],
  requestBody: 'none',
  successStatus: 200,
  successDescription: 'The current code, until when it is valid, and how it was delivered',
  badRequests: [INVALID_PARCEL_ID],
  errors: { StoreThrottledError: TRY_AGAIN_BUSY, KeyServiceUnavailableError: TRY_AGAIN_BUSY },
  refusals: {
    NOT_FOUND: RECIPIENT_NOT_FOUND,
    ALREADY_VERIFIED: RECIPIENT_ALREADY_VERIFIED,
    REVOKED: RECIPIENT_REVOKED,
    EXPIRED: RECIPIENT_EXPIRED,
  },
};

/** `POST /parcels/{parcelId}/otp/resend`: sends the current code again, by email (default) or SMS. */
export const RESEND_ROUTE: RouteContract<RecipientRefusal> = {
  name: 'Resend',
  operationId: 'resendCode',
  method: 'POST',
  path: RESEND_PATH,
  summary: 'Send the current code again, by email or SMS',
  description:
    "Called by the shop's backend (SigV4) on behalf of its signed-in customer; at most three resends per code across both channels.",
  authorization: { type: 'iam' },
  requestHeaders: [RECIPIENT_HEADER],
  requestBody: 'optional',
  successStatus: 202,
  successDescription: 'The code is on its way again',
  badRequests: [
    INVALID_PARCEL_ID,
    BODY_NOT_JSON,
    BODY_NOT_OBJECT,
    BODY_TOO_MANY_FIELDS,
    PAYLOAD_TOO_LARGE,
    INVALID_CHANNEL,
    CHANNEL_NOT_OFFERED,
  ],
  errors: {
    StoreThrottledError: TRY_AGAIN_BUSY,
    KeyServiceUnavailableError: TRY_AGAIN_BUSY,
    // The SMS service refused the number for good: retrying cannot help; the resend was given back.
    SmsRejectedError: {
      status: 422,
      code: 'SMS_REJECTED',
      message: 'The SMS could not be sent to this number',
      description: 'The SMS service refused this number for good',
    },
    EmailThrottledError: SEND_FAILED,
    EmailTransientError: SEND_FAILED,
    EmailInFlightError: SEND_FAILED,
    EmailRejectedError: SEND_FAILED,
    SmsConfigurationError: SEND_FAILED,
    SmsTransientError: SEND_FAILED,
  },
  refusals: RECIPIENT_REFUSALS,
};

/** Every route of the API, in the order the OpenAPI document lists them. */
export const ROUTES: readonly RouteContract[] = [VERIFY_ROUTE, TRACK_ROUTE, RESEND_ROUTE];
