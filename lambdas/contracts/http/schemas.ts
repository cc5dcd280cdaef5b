/**
 * Body shapes of the HTTP contract as JSON Schema (2020-12, what OpenAPI 3.1 uses), by route
 * `operationId`. Only the OpenAPI generator and the tests import this; the handlers do not need it.
 */
import { EMAIL_ADDRESS_PATTERN, PARCEL_ID_PATTERN } from '../../domain/identifiers.ts';
import { SMS_FAILURES } from '../../domain/sms-status.ts';
import { MAX_BODY_BYTES, MAX_BODY_FIELDS, RESEND_ROUTE, TRACK_ROUTE, VERIFY_ROUTE } from './routes.ts';

/** A JSON Schema object (the subset this document uses). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The `{parcelId}` path parameter. */
export const PARCEL_ID_SCHEMA: JsonSchema = {
  type: 'string',
  pattern: PARCEL_ID_PATTERN.source,
  minLength: 1,
  maxLength: 64,
};

/** The `x-recipient-email` header: an ASCII email address of at most 254 characters. */
export const RECIPIENT_EMAIL_SCHEMA: JsonSchema = {
  type: 'string',
  pattern: EMAIL_ADDRESS_PATTERN.source,
  maxLength: 254,
};

/** Messages are fixed English sentences in printable ASCII. */
const PRINTABLE_ASCII = '^[ -~]*$';

const EMAIL_DELIVERY = [
  'PENDING',
  'NOT_SENT',
  'SENT',
  'DELAYED',
  'DELIVERED',
  'BOUNCED',
  'REJECTED',
  'COMPLAINED',
];

/** Request bodies (JSON objects of at most {@link MAX_BODY_BYTES} bytes), by operationId. */
export const REQUEST_BODIES: Readonly<Record<string, JsonSchema>> = {
  [VERIFY_ROUTE.operationId]: {
    type: 'object',
    required: ['code'],
    properties: {
      code: {
        type: 'string',
        pattern: '^[0-9]{6}$',
        maxLength: 6,
        description: 'The 6-digit code the recipient shows',
      },
    },
    maxProperties: MAX_BODY_FIELDS,
  },
  [RESEND_ROUTE.operationId]: {
    type: 'object',
    properties: {
      channel: {
        type: 'string',
        enum: ['EMAIL', 'SMS'],
        default: 'EMAIL',
        description: 'Where to send the code; no body or `{}` is EMAIL',
      },
    },
    maxProperties: MAX_BODY_FIELDS,
  },
};

/** Success bodies, by operationId. */
export const SUCCESS_BODIES: Readonly<Record<string, JsonSchema>> = {
  [VERIFY_ROUTE.operationId]: {
    type: 'object',
    required: ['code', 'parcelId', 'verifiedAt'],
    properties: {
      code: { const: 'VERIFIED' },
      parcelId: PARCEL_ID_SCHEMA,
      verifiedAt: { type: 'string', format: 'date-time', maxLength: 30 },
    },
    additionalProperties: false,
  },
  [TRACK_ROUTE.operationId]: {
    type: 'object',
    required: ['code', 'validUntil', 'delivery'],
    properties: {
      code: { type: 'string', pattern: '^[0-9]{6}$', maxLength: 6, description: 'The current code' },
      validUntil: { type: 'string', format: 'date-time', maxLength: 30 },
      delivery: {
        type: 'object',
        required: ['email'],
        properties: {
          email: {
            type: 'string',
            enum: EMAIL_DELIVERY,
            description: "SES's word on the latest code email; NOT_SENT when the code went by SMS only",
          },
          sms: {
            type: 'string',
            enum: ['SENDING', 'SENT', 'ACCEPTED', 'DELIVERED', 'FAILED'],
            description:
              "Present once the code went by SMS: the latest code SMS's fate as End User Messaging SMS reports it",
          },
          smsFailure: {
            type: 'string',
            enum: [...SMS_FAILURES],
            description: 'Why the SMS failed, when it did (the event type without TEXT_)',
          },
          bounceType: {
            type: 'string',
            enum: ['Permanent', 'Transient', 'Undetermined'],
            description: "SES's bounce type, when the email bounced",
          },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  [RESEND_ROUTE.operationId]: {
    type: 'object',
    required: ['code', 'resendsRemaining'],
    properties: {
      code: { const: 'RESENT' },
      resendsRemaining: { type: 'integer', minimum: 0, maximum: 100, format: 'int32' },
    },
    additionalProperties: false,
  },
};

/** Every error body this API's handlers write: a machine-readable code, and usually a reason. */
export const ERROR_BODY: JsonSchema = {
  type: 'object',
  required: ['code'],
  properties: {
    code: {
      type: 'string',
      pattern: '^[A-Z_]+$',
      maxLength: 64,
      description: 'Machine-readable; listed per response',
    },
    message: {
      type: 'string',
      pattern: PRINTABLE_ASCII,
      maxLength: 256,
      description: 'Why, in English; never echoes input',
    },
    attemptsRemaining: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      format: 'int32',
      description: 'verify only, with WRONG_CODE and LOCKED: wrong codes left before the code locks',
    },
  },
  additionalProperties: false,
};

/** What API Gateway itself answers (authorizer refusal, throttling) before any handler runs. */
export const GATEWAY_ERROR_BODY: JsonSchema = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string', pattern: PRINTABLE_ASCII, maxLength: 64 } },
  additionalProperties: false,
};
