// The environment contract: every variable a function of this product reads, its type and default, and
// which handler reads which. Pure TypeScript (no AWS SDK, CDK or zod): `lib/` sets variables through it,
// handlers read them through it, tests check the synthesized template against it.

import type { VariableBinding, VariableSpec } from './variable-spec.ts';

export type { VariableBinding, VariableKind, VariableSpec } from './variable-spec.ts';

/** Every variable a function of this product has in its environment. */
export const ENVIRONMENT = {
  // Set on every function (lib/lambda-defaults.ts), read by Node.js, Powertools or the AWS SDK.
  NODE_OPTIONS: {
    kind: 'string',
    description: 'Node.js options: stack traces through the bundle source maps',
    default: '--enable-source-maps',
    platform: true,
  },
  POWERTOOLS_SERVICE_NAME: {
    kind: 'string',
    description: "Service name in every log line and metric: the handler's folder name",
    platform: true,
  },
  POWERTOOLS_METRICS_NAMESPACE: {
    kind: 'string',
    description: 'CloudWatch namespace of the metrics Powertools publishes',
    default: 'SecureDelivery',
    platform: true,
  },
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: {
    kind: 'string',
    description: "Silences the AWS SDK's Node.js version warning",
    default: 'true',
    platform: true,
  },

  // Resources, each set together with its grant.
  OTP_TABLE_NAME: { kind: 'string', description: 'Name of the code table', binding: 'table' },
  RECIPIENT_TABLE_NAME: {
    kind: 'string',
    description: 'Name of the recipient table (email, name, locale, phone)',
    binding: 'table',
  },
  OTP_HASH_KEY_ARN: {
    kind: 'string',
    description: 'ARN of the KMS HMAC key codes are hashed with',
    binding: 'key',
  },
  OTP_ENCRYPTION_SECRET_ARN: {
    kind: 'string',
    description: 'ARN of the secret holding the AES key codes are encrypted with',
    binding: 'secret',
  },
  SENDER_EMAIL: { kind: 'string', description: 'From address of every email', binding: 'mail' },
  SES_CONFIGURATION_SET: {
    kind: 'string',
    description: 'SES configuration set every email names (its events become the delivery status)',
    binding: 'mail',
    optional: true,
  },
  // Both or neither: a deployment without an SMS channel sets neither (no grant, nothing of SMS).
  SMS_ORIGINATION_IDENTITY: {
    kind: 'string',
    description: 'Phone number, pool or sender ID (ARN) the code SMS is sent from; unset: no SMS channel',
    binding: 'sms',
    optional: true,
  },
  SMS_CONFIGURATION_SET: {
    kind: 'string',
    description: 'End User Messaging SMS configuration set every SMS names; unset: no SMS channel',
    binding: 'sms',
    optional: true,
  },
  SMS_PROTECT_CONFIGURATION_ID: {
    kind: 'string',
    description:
      'Protect configuration every SMS names (its country allow-list holds even if the configuration set loses it); set with the SMS channel',
    binding: 'sms',
    optional: true,
  },
  SMS_MAX_PRICE: {
    kind: 'string',
    description: 'Most one SMS may cost in US dollars (SendTextMessage MaxPrice); set with the SMS channel',
    binding: 'sms',
    default: '0.30',
    optional: true,
  },
  EVENT_BUS_NAME: { kind: 'string', description: "Name of the product's event bus", binding: 'eventBus' },
  EVENT_SOURCE: { kind: 'string', description: "`source` of the product's own events", binding: 'eventBus' },

  // Settings.
  ACCESS_TOKEN_SCOPES: {
    kind: 'spaceList',
    description: "Scopes added to every driver's access token from Cognito's API",
  },
  DRIVER_IDENTITY_PROVIDER: {
    kind: 'string',
    description:
      "Who issues the drivers' tokens: `cognito` (only access tokens verify) or `oidc` (the JWT authorizer checks issuer, audience, scope and expiry)",
    default: 'cognito',
    values: ['cognito', 'oidc'],
  },
  DRIVER_ID_CLAIM: {
    kind: 'string',
    description:
      "Access-token claim holding the carrier's own driver id (with Cognito the token trigger writes it)",
    default: 'driver_id',
  },
  DRIVER_ID_ATTRIBUTE: {
    kind: 'string',
    description: "Cognito user attribute holding the carrier's driver id, copied into the access token",
    default: 'custom:driver_id',
  },
  OTP_THRESHOLDS: {
    kind: 'json',
    description: 'Minimum declared value per ISO 4217 currency, in minor units, that requires a code',
  },
  MAX_WRONG_ATTEMPTS_PER_CODE: {
    kind: 'nonNegativeInteger',
    description: 'Wrong codes after which a code is dead',
    default: 5,
  },
  MAX_WRONG_ATTEMPTS_PER_PARCEL: {
    kind: 'nonNegativeInteger',
    description: "Wrong codes across all of a parcel's codes after which none verifies and none is issued",
    default: 10,
  },
  RECORD_RETENTION_DAYS: {
    kind: 'nonNegativeInteger',
    description: 'Days a record (and its recipient) is kept after its code expired',
    default: 30,
  },
  MAX_DELIVERY_DAYS_AHEAD: {
    kind: 'nonNegativeInteger',
    description: 'How many days ahead an expected delivery date (first or next attempt) may lie',
    default: 60,
  },
  MAX_RESENDS_PER_CODE: {
    kind: 'nonNegativeInteger',
    description: 'Resends of one code the recipient may ask for, across email and SMS',
    default: 3,
  },
  RESEND_LEASE_SECONDS: {
    kind: 'nonNegativeInteger',
    description: 'Seconds a resend holds the code against reissue and revoke: longer than the resend can run',
    default: 15,
  },
  EMAIL_CLAIM_LEASE_SECONDS: {
    kind: 'nonNegativeInteger',
    description:
      'Seconds a claimed email (code or receipt) is left to its sender before another may take it over',
    default: 30,
  },
  SMS_CLAIM_LEASE_SECONDS: {
    kind: 'nonNegativeInteger',
    description: 'Seconds a claimed fallback SMS is left to its sender before another may take it over',
    default: 30,
    // Set with the SMS channel only: a deployment without `sms` has nothing of SMS.
    optional: true,
  },
  SMS_DAILY_LIMIT_PER_NUMBER: {
    kind: 'nonNegativeInteger',
    description:
      'Text messages one phone number may get per day (UTC) across parcels; set with the SMS channel',
    binding: 'sms',
    default: 5,
    optional: true,
  },
  EMAIL_DELAYED_TIMEOUT_SECONDS: {
    kind: 'nonNegativeInteger',
    description: 'Seconds a code email may stay DELAYED before the code also goes by SMS',
    default: 1800,
  },
} as const satisfies Record<string, VariableSpec>;

/** Name of a variable in the contract. */
export type VariableName = keyof typeof ENVIRONMENT;
/** A variable every function gets from `SecureDeliveryFunction`. */
export type PlatformVariable = {
  [V in VariableName]: (typeof ENVIRONMENT)[V] extends { platform: true } ? V : never;
}[VariableName];
/** A variable a handler reads. */
export type AppVariable = Exclude<VariableName, PlatformVariable>;
/** The variables `lib/` sets together with a grant of kind `B`. */
export type BoundVariable<B extends VariableBinding> = {
  [V in VariableName]: (typeof ENVIRONMENT)[V] extends { binding: B } ? V : never;
}[VariableName];
/** The variables `lib/` sets with `setEnvironment` (no grant goes with them). */
export type SettingVariable = Exclude<AppVariable, BoundVariable<VariableBinding>>;

/**
 * The variables `lib/` sets in one `bind*` call, together with its grant (`bindMail`, `bindSms`,
 * `bindEventBus`): a handler reads all of a group or none of it.
 */
export const BINDING_GROUPS = {
  mail: ['SENDER_EMAIL', 'SES_CONFIGURATION_SET'],
  sms: [
    'SMS_CONFIGURATION_SET',
    'SMS_ORIGINATION_IDENTITY',
    'SMS_PROTECT_CONFIGURATION_ID',
    'SMS_MAX_PRICE',
    'SMS_DAILY_LIMIT_PER_NUMBER',
  ],
  eventBus: ['EVENT_BUS_NAME', 'EVENT_SOURCE'],
} as const satisfies { readonly [B in VariableBinding]?: readonly BoundVariable<B>[] };
/** A binding whose variables `lib/` sets together. */
export type BindingGroup = keyof typeof BINDING_GROUPS;
/** The variables of binding group `G`. */
export type GroupVariable<G extends BindingGroup> = (typeof BINDING_GROUPS)[G][number];

/** What reading a recipient's code takes: the code table, the recipient table and the codes' AES key. */
const CODE_READING = ['OTP_TABLE_NAME', 'RECIPIENT_TABLE_NAME', 'OTP_ENCRYPTION_SECRET_ARN'] as const;
/** What sending a code by email or SMS takes (`createCodeDelivery` in lambdas/shared/delivery-wiring.ts). */
const CODE_DELIVERY = [...CODE_READING, ...BINDING_GROUPS.mail, ...BINDING_GROUPS.sms] as const;
/** What the SMS fallback takes (`createSmsFallback` in lambdas/shared/sms-fallback-wiring.ts). */
const SMS_FALLBACK = [
  ...CODE_READING,
  ...BINDING_GROUPS.sms,
  ...BINDING_GROUPS.eventBus,
  'SMS_CLAIM_LEASE_SECONDS',
] as const;

/** The variables the code delivery wiring reads. */
export type CodeDeliveryVariable = (typeof CODE_DELIVERY)[number];
/** The variables the SMS fallback wiring reads. */
export type SmsFallbackVariable = (typeof SMS_FALLBACK)[number];

/** Which handler (folder under `lambdas/`) reads which variables: each reads these and nothing else. */
export const HANDLER_VARIABLES = {
  'add-token-scope': ['ACCESS_TOKEN_SCOPES', 'DRIVER_ID_ATTRIBUTE', 'DRIVER_ID_CLAIM'],
  'apply-lifecycle': [
    'OTP_TABLE_NAME',
    'RECIPIENT_TABLE_NAME',
    'OTP_HASH_KEY_ARN',
    'OTP_ENCRYPTION_SECRET_ARN',
    'MAX_WRONG_ATTEMPTS_PER_PARCEL',
    'RECORD_RETENTION_DAYS',
    'MAX_DELIVERY_DAYS_AHEAD',
  ],
  'assign-driver': ['OTP_TABLE_NAME', ...BINDING_GROUPS.eventBus],
  'check-value': ['OTP_THRESHOLDS', 'MAX_DELIVERY_DAYS_AHEAD', 'OTP_TABLE_NAME'],
  'issue-otp': [
    'OTP_TABLE_NAME',
    'RECIPIENT_TABLE_NAME',
    'OTP_HASH_KEY_ARN',
    'OTP_ENCRYPTION_SECRET_ARN',
    'RECORD_RETENTION_DAYS',
    'MAX_DELIVERY_DAYS_AHEAD',
  ],
  'record-delivery': SMS_FALLBACK,
  'record-sms-delivery': ['OTP_TABLE_NAME', ...BINDING_GROUPS.eventBus],
  'resend-otp': [...CODE_DELIVERY, 'MAX_RESENDS_PER_CODE', 'RESEND_LEASE_SECONDS'],
  'send-otp-email': [...CODE_DELIVERY, 'EMAIL_CLAIM_LEASE_SECONDS'],
  'send-receipt': [
    'OTP_TABLE_NAME',
    'RECIPIENT_TABLE_NAME',
    ...BINDING_GROUPS.mail,
    ...BINDING_GROUPS.sms,
    'EMAIL_CLAIM_LEASE_SECONDS',
  ],
  'sweep-delayed': [...SMS_FALLBACK, 'EMAIL_DELAYED_TIMEOUT_SECONDS'],
  'track-otp': CODE_READING,
  'verify-otp': [
    'OTP_TABLE_NAME',
    'OTP_HASH_KEY_ARN',
    'MAX_WRONG_ATTEMPTS_PER_CODE',
    'MAX_WRONG_ATTEMPTS_PER_PARCEL',
    'DRIVER_IDENTITY_PROVIDER',
    'DRIVER_ID_CLAIM',
  ],
} as const satisfies Record<string, readonly AppVariable[]>;

/** A handler: its folder name under `lambdas/`. */
export type HandlerName = keyof typeof HANDLER_VARIABLES;
/** The variables handler `H` reads. */
export type HandlerVariable<H extends HandlerName> = (typeof HANDLER_VARIABLES)[H][number];

interface ReadValues {
  string: string;
  nonNegativeInteger: number;
  spaceList: readonly string[];
  json: string;
}
interface SetValues {
  string: string;
  nonNegativeInteger: number;
  spaceList: readonly string[];
  json: unknown;
}
type Spec<V extends VariableName> = (typeof ENVIRONMENT)[V];
/** What a handler gets for `V`: `undefined` only for an optional variable without a default left unset. */
export type ReadValue<V extends VariableName> =
  | ReadValues[Spec<V>['kind']]
  | (Spec<V> extends { optional: true } ? (Spec<V> extends { default: unknown } ? never : undefined) : never);
/** What `lib/` gives to set `V`. */
export type SetValue<V extends VariableName> = SetValues[Spec<V>['kind']];

/** The values of variables `V`, typed as a handler reads them. */
export type VariablesEnvironment<V extends AppVariable> = { readonly [K in V]: ReadValue<K> };

/** The configuration handler `H` reads at init: its declared variables, typed, and nothing else. */
export type HandlerEnvironment<H extends HandlerName> = VariablesEnvironment<HandlerVariable<H>>;

/** True when `name` names a variable of the contract. */
export function isVariableName(name: string): name is VariableName {
  return Object.hasOwn(ENVIRONMENT, name);
}

/** True when `name` is a handler of the contract (a folder under `lambdas/` with a `handler.ts`). */
export function isHandlerName(name: string): name is HandlerName {
  return Object.hasOwn(HANDLER_VARIABLES, name);
}

const spec = (name: VariableName): VariableSpec => ENVIRONMENT[name];

/** The environment value for `name`, checked against its kind; `lib/` sets variables through this only. */
export function serializeVariable<V extends VariableName>(name: V, value: SetValue<V>): string {
  const { kind } = spec(name);
  if (kind === 'nonNegativeInteger') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new Error(`${name} must be a non-negative integer, got ${String(value)}`);
    return String(value);
  }
  if (kind === 'spaceList') {
    const words = value as readonly string[];
    if (words.length === 0 || words.some((word) => word === '' || /\s/.test(word)))
      throw new Error(`${name} must be one or more words without spaces`);
    return words.join(' ');
  }
  if (kind === 'json') return JSON.stringify(value);
  // A token (an unresolved CDK reference) is a string too; only an empty value is refused here.
  if (typeof value !== 'string' || value === '') throw new Error(`${name} must be a non-empty string`);
  checkValue(name, value);
  return value;
}

/** Refuses a value outside the variable's `values`, naming them. */
function checkValue(name: VariableName, value: string): void {
  const allowed = spec(name).values;
  if (allowed && !allowed.includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}`);
}

/** The platform variables `SecureDeliveryFunction` sets on the function of `handlerName`. */
export function platformEnvironment(handlerName: string): Record<PlatformVariable, string> {
  return {
    NODE_OPTIONS: ENVIRONMENT.NODE_OPTIONS.default,
    POWERTOOLS_SERVICE_NAME: handlerName,
    POWERTOOLS_METRICS_NAMESPACE: ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE.default,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      ENVIRONMENT.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED.default,
  };
}

function readVariable(name: AppVariable, raw: string | undefined): unknown {
  const { kind, default: fallback, optional } = spec(name);
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    if (optional) return undefined;
    throw new Error(`Missing environment variable ${name}`);
  }
  if (kind === 'nonNegativeInteger') {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value))
      throw new Error(`${name} must be a non-negative integer`);
    return value;
  }
  if (kind === 'spaceList') return raw.split(' ').filter(Boolean);
  checkValue(name, raw);
  return raw;
}

/**
 * Reads the variables handler `handler` declares, at module init: a missing required one or a malformed
 * value fails the init with a message naming the variable; a default comes from {@link ENVIRONMENT}.
 * The result has the declared variables only, so reading another is a type error.
 */
export function readEnvironment<H extends HandlerName>(
  handler: H,
  source: Readonly<Record<string, string | undefined>> = process.env,
): HandlerEnvironment<H> {
  const variables: readonly AppVariable[] = HANDLER_VARIABLES[handler];
  return Object.freeze(
    Object.fromEntries(variables.map((name) => [name, readVariable(name, source[name])])),
  ) as HandlerEnvironment<H>;
}
