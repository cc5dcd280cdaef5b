import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';

/** Operator settings, from cdk.json context (`secureDelivery:*`). */
export interface SecureDeliveryConfig {
  /** `source` of the carrier events the rules match. */
  readonly eventSource: string;
  /** From address of every email. */
  readonly senderEmail: string;
  /** Minimum declared value per ISO 4217 currency, in minor units, that requires a code. */
  readonly otpThresholds: Readonly<Record<string, number>>;
  /** Wrong codes after which a code is dead. */
  readonly maxWrongAttemptsPerCode: number;
  /** Wrong codes across all of a parcel's codes after which no new code is issued. */
  readonly maxWrongAttemptsPerParcel: number;
  /** Days a record is kept after its code expired. */
  readonly recordRetentionDays: number;
  /** Resends of one code the recipient may ask for. */
  readonly maxResendsPerCode: number;
  /** How many days ahead an expected delivery date (first attempt or the next after a failed one) may lie. */
  readonly maxDeliveryDaysAhead: number;
  /** Create the SES sender identity in the stack. */
  readonly createSenderIdentity: boolean;
  /** Minutes a driver's access and ID tokens stay valid (5 to 1440): how long a cut-off driver can still verify. */
  readonly driverAccessTokenMinutes: number;
  /** Hours a driver's refresh token stays valid (a shift, 1 to 87600); sign-in again after that. */
  readonly driverRefreshTokenHours: number;
  /** Days the verify function's logs and the API access logs (the audit trail) are kept. */
  readonly auditLogRetentionDays: number;
  /** Email address subscribed to the alarm topic; none when empty. */
  readonly alarmEmail: string;
  /** Prefix of the drivers' managed-login domain (`<prefix>.auth.<region>.amazoncognito.com`), unique per region. */
  readonly driverLoginDomainPrefix: string;
  /** Name of the End User Messaging SMS configuration set the stack creates for the code SMS. */
  readonly smsConfigurationSetName: string;
  /** ARN of the registered origination identity (phone number, pool, sender ID) the SMS goes from; empty: the pool `pool-secure-delivery`. */
  readonly smsOriginationIdentityArn: string;
  /** Minutes a code email may stay DELAYED before the code also goes by SMS. */
  readonly emailDelayedFallbackMinutes: number;
}

/** Defaults for every setting not in context; a setting that becomes a function's variable takes the contract's. */
export const DEFAULT_CONFIG: SecureDeliveryConfig = {
  eventSource: 'carrier.dispatch',
  senderEmail: 'no-reply@secure-delivery.example.com',
  otpThresholds: { EUR: 50000, GBP: 40000, USD: 50000, CHF: 50000 },
  maxWrongAttemptsPerCode: ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default,
  maxWrongAttemptsPerParcel: ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default,
  recordRetentionDays: ENVIRONMENT.RECORD_RETENTION_DAYS.default,
  maxResendsPerCode: ENVIRONMENT.MAX_RESENDS_PER_CODE.default,
  maxDeliveryDaysAhead: ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default,
  createSenderIdentity: true,
  driverAccessTokenMinutes: 60,
  driverRefreshTokenHours: 12,
  auditLogRetentionDays: 365,
  alarmEmail: '',
  driverLoginDomainPrefix: 'secure-delivery-drivers',
  smsConfigurationSetName: 'secure-delivery-sms',
  smsOriginationIdentityArn: '',
  emailDelayedFallbackMinutes: ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default / 60,
};

/** Retention periods CloudWatch Logs accepts, in days (`RetentionDays`, without "never expire"). */
const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

/** Reads `secureDelivery:<key>` context values over the defaults, failing synth on a bad value. */
export function readConfig(node: Node): SecureDeliveryConfig {
  const read = <K extends keyof SecureDeliveryConfig>(key: K): SecureDeliveryConfig[K] =>
    (node.tryGetContext(`secureDelivery:${key}`) as SecureDeliveryConfig[K] | undefined) ??
    DEFAULT_CONFIG[key];
  const config: SecureDeliveryConfig = {
    eventSource: read('eventSource'),
    senderEmail: read('senderEmail'),
    otpThresholds: read('otpThresholds'),
    maxWrongAttemptsPerCode: Number(read('maxWrongAttemptsPerCode')),
    maxWrongAttemptsPerParcel: Number(read('maxWrongAttemptsPerParcel')),
    recordRetentionDays: Number(read('recordRetentionDays')),
    maxResendsPerCode: Number(read('maxResendsPerCode')),
    maxDeliveryDaysAhead: Number(read('maxDeliveryDaysAhead')),
    createSenderIdentity: String(read('createSenderIdentity')) !== 'false',
    driverAccessTokenMinutes: Number(read('driverAccessTokenMinutes')),
    driverRefreshTokenHours: Number(read('driverRefreshTokenHours')),
    auditLogRetentionDays: Number(read('auditLogRetentionDays')),
    alarmEmail: String(read('alarmEmail')),
    driverLoginDomainPrefix: String(read('driverLoginDomainPrefix')),
    smsConfigurationSetName: String(read('smsConfigurationSetName')),
    smsOriginationIdentityArn: String(read('smsOriginationIdentityArn')),
    emailDelayedFallbackMinutes: Number(read('emailDelayedFallbackMinutes')),
  };
  if (
    !Number.isSafeInteger(config.emailDelayedFallbackMinutes) ||
    config.emailDelayedFallbackMinutes < 5 ||
    config.emailDelayedFallbackMinutes > 1440
  )
    throw new Error('secureDelivery:emailDelayedFallbackMinutes must be an integer from 5 to 1440');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.smsConfigurationSetName))
    throw new Error('secureDelivery:smsConfigurationSetName must be 1-64 of A-Z a-z 0-9 _ -');
  if (
    config.smsOriginationIdentityArn !== '' &&
    !/^arn:aws[\w-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/.+$/.test(
      config.smsOriginationIdentityArn,
    )
  )
    throw new Error(
      'secureDelivery:smsOriginationIdentityArn must be the ARN of a phone number, pool or sender ID, or empty',
    );
  for (const [currency, amount] of Object.entries(config.otpThresholds)) {
    if (!/^[A-Z]{3}$/.test(currency) || !Number.isSafeInteger(amount) || amount < 0) {
      throw new Error(
        `secureDelivery:otpThresholds.${currency} must be a non-negative integer in minor units`,
      );
    }
  }
  for (const key of [
    'maxWrongAttemptsPerCode',
    'maxWrongAttemptsPerParcel',
    'recordRetentionDays',
    'maxDeliveryDaysAhead',
  ] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] < 1)
      throw new Error(`secureDelivery:${key} must be >= 1`);
  }
  // Cognito's limits: access/ID tokens 5 minutes to 1 day, refresh tokens 1 hour to 10 years and not shorter.
  const { driverAccessTokenMinutes: access, driverRefreshTokenHours: refresh } = config;
  if (!Number.isSafeInteger(access) || access < 5 || access > 1440)
    throw new Error('secureDelivery:driverAccessTokenMinutes must be an integer from 5 to 1440');
  if (!Number.isSafeInteger(refresh) || refresh < 1 || refresh > 87600 || refresh * 60 < access)
    throw new Error(
      'secureDelivery:driverRefreshTokenHours must be an integer from 1 to 87600, not shorter than the access token',
    );
  if (!LOG_RETENTION_DAYS.includes(config.auditLogRetentionDays))
    throw new Error(`secureDelivery:auditLogRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  if (config.alarmEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail))
    throw new Error('secureDelivery:alarmEmail must be an email address, or empty for none');
  // Cognito's rule for a prefix domain: lowercase letters, digits and hyphens, not starting or ending with one.
  if (
    !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(config.driverLoginDomainPrefix) ||
    /aws|amazon|cognito/.test(config.driverLoginDomainPrefix)
  )
    throw new Error(
      'secureDelivery:driverLoginDomainPrefix must be lowercase letters, digits and hyphens, without aws, amazon or cognito',
    );
  return config;
}
