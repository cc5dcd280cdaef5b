import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { isPlaceholderSender } from './mail.ts';
import { marketsOf, SMS_REGIONS } from './sms-countries.ts';

/**
 * What a {@link SecureDelivery} deployment may tune beyond its props: limits, thresholds, token lifetimes and
 * retention. Each has a default ({@link DEFAULT_SETTINGS}); a value that cannot work fails synth naming it.
 */
export interface SecureDeliverySettings {
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
  /** Minutes a driver's access and ID tokens stay valid (5 to 1440): how long a cut-off driver can still verify. */
  readonly driverAccessTokenMinutes: number;
  /** Hours a driver's refresh token stays valid (a shift, 1 to 87600); sign-in again after that. */
  readonly driverRefreshTokenHours: number;
  /** Days the verify function's logs and the API access logs (the audit trail) are kept. */
  readonly auditLogRetentionDays: number;
  /**
   * Prefix of the drivers' managed-login domain (`<prefix>.auth.<region>.amazoncognito.com`), one name across
   * every AWS customer in a Region; empty: derived, `<stack>-drivers-<hash of account, Region, stack, construct>`.
   */
  readonly driverLoginDomainPrefix: string;
  /** Minutes a code email may stay DELAYED before the code also goes by SMS (or is reported undeliverable). */
  readonly emailDelayedFallbackMinutes: number;
  /** The most protected parcels a minute the deployment handles; sets the hashing-volume alarm's threshold. */
  readonly peakParcelsPerMinute: number;
  /**
   * With SMS: the countries (ISO 3166-1 alpha-2) a code SMS may go to; the SMS protect configuration blocks
   * every other. Undefined: the markets of the `otpThresholds` currencies (`CURRENCY_MARKETS`).
   */
  readonly smsAllowedCountries?: readonly string[];
  /** With SMS: the most one code SMS may cost, in US dollars (SendTextMessage's `MaxPrice`, e.g. `0.20`). */
  readonly smsMaxPriceUsd: string;
  /** With SMS: text messages one phone number may get per day (UTC) across all parcels. */
  readonly smsDailyLimitPerNumber: number;
}

/** Defaults for every setting; a setting that becomes a function's variable takes the contract's default. */
export const DEFAULT_SETTINGS: SecureDeliverySettings = {
  otpThresholds: { EUR: 50000, GBP: 40000, USD: 50000, CHF: 50000 },
  maxWrongAttemptsPerCode: ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default,
  maxWrongAttemptsPerParcel: ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default,
  recordRetentionDays: ENVIRONMENT.RECORD_RETENTION_DAYS.default,
  maxResendsPerCode: ENVIRONMENT.MAX_RESENDS_PER_CODE.default,
  maxDeliveryDaysAhead: ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default,
  driverAccessTokenMinutes: 60,
  driverRefreshTokenHours: 12,
  auditLogRetentionDays: 365,
  driverLoginDomainPrefix: '',
  emailDelayedFallbackMinutes: ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default / 60,
  // 7 a second: the peak SES's default sending rate allows (docs/capacity.md).
  peakParcelsPerMinute: 420,
  smsMaxPriceUsd: ENVIRONMENT.SMS_MAX_PRICE.default,
  smsDailyLimitPerNumber: ENVIRONMENT.SMS_DAILY_LIMIT_PER_NUMBER.default,
};

/** Retention periods CloudWatch Logs accepts, in days (`RetentionDays`, without "never expire"). */
const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

/**
 * The settings with defaults for what is not given, failing synth on a value that cannot work; each message
 * names the setting as `<prefix><name>` (`settings.maxResendsPerCode`, or `secureDelivery:…` for context).
 */
export function resolveSettings(
  given: Partial<SecureDeliverySettings> = {},
  prefix = 'settings.',
): SecureDeliverySettings {
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const settings: SecureDeliverySettings = { ...DEFAULT_SETTINGS, ...defined };
  const fail = (key: keyof SecureDeliverySettings, rule: string): never => {
    throw new Error(`${prefix}${key} ${rule}`);
  };
  const integerIn = (key: keyof SecureDeliverySettings, low: number, high: number) => {
    const value = settings[key];
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= low && value <= high;
  };
  if (!integerIn('emailDelayedFallbackMinutes', 5, 1440))
    fail('emailDelayedFallbackMinutes', 'must be an integer from 5 to 1440');
  // SendTextMessage's MaxPrice: up to two digits, a dot, up to five decimals; above zero.
  if (!/^[0-9]{0,2}\.[0-9]{1,5}$/.test(settings.smsMaxPriceUsd) || Number(settings.smsMaxPriceUsd) <= 0)
    fail('smsMaxPriceUsd', 'must be a price in US dollars like 0.20 (at most 99.99999, above 0)');
  if (!integerIn('smsDailyLimitPerNumber', 1, 100))
    fail('smsDailyLimitPerNumber', 'must be an integer from 1 to 100');
  const unknownCountry = settings.smsAllowedCountries?.find((country) => !SMS_REGIONS.includes(country));
  if (settings.smsAllowedCountries?.length === 0 || unknownCountry !== undefined)
    fail(
      'smsAllowedCountries',
      `must list ISO 3166-1 alpha-2 codes of regions with phone numbers (got ${unknownCountry ?? 'none'})`,
    );
  for (const [currency, amount] of Object.entries(settings.otpThresholds)) {
    if (!/^[A-Z]{3}$/.test(currency) || !Number.isSafeInteger(amount) || amount < 0) {
      throw new Error(`${prefix}otpThresholds.${currency} must be a non-negative integer in minor units`);
    }
  }
  for (const key of [
    'maxWrongAttemptsPerCode',
    'maxWrongAttemptsPerParcel',
    'recordRetentionDays',
    'maxDeliveryDaysAhead',
    'peakParcelsPerMinute',
  ] as const) {
    if (!integerIn(key, 1, Number.MAX_SAFE_INTEGER)) fail(key, 'must be >= 1');
  }
  if (!integerIn('maxResendsPerCode', 0, Number.MAX_SAFE_INTEGER))
    fail('maxResendsPerCode', 'must be an integer >= 0');
  // Cognito's limits: access/ID tokens 5 minutes to 1 day, refresh tokens 1 hour to 10 years and not shorter.
  const { driverAccessTokenMinutes: access, driverRefreshTokenHours: refresh } = settings;
  if (!integerIn('driverAccessTokenMinutes', 5, 1440))
    fail('driverAccessTokenMinutes', 'must be an integer from 5 to 1440');
  if (!integerIn('driverRefreshTokenHours', 1, 87600) || refresh * 60 < access)
    fail('driverRefreshTokenHours', 'must be an integer from 1 to 87600, not shorter than the access token');
  if (!LOG_RETENTION_DAYS.includes(settings.auditLogRetentionDays))
    fail('auditLogRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  // Cognito's rule for a prefix domain: lowercase letters, digits and hyphens, not starting or ending with one.
  if (
    settings.driverLoginDomainPrefix !== '' &&
    (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(settings.driverLoginDomainPrefix) ||
      /aws|amazon|cognito/.test(settings.driverLoginDomainPrefix))
  )
    fail(
      'driverLoginDomainPrefix',
      'must be lowercase letters, digits and hyphens, without aws, amazon or cognito (or empty: derived)',
    );
  return settings;
}

/**
 * The countries code SMS may go to: `smsAllowedCountries`, or the markets of the thresholds' currencies.
 * Fails synth when a currency has no known market and no list is given (no SMS would be safe to send).
 */
export function smsAllowedCountries(settings: SecureDeliverySettings, prefix = 'settings.'): string[] {
  if (settings.smsAllowedCountries) return [...settings.smsAllowedCountries];
  const markets = marketsOf(Object.keys(settings.otpThresholds));
  if (!markets)
    throw new Error(
      `${prefix}smsAllowedCountries: set the countries code SMS may go to; a currency of otpThresholds has no known market (${Object.keys(settings.otpThresholds).join(', ')})`,
    );
  return markets;
}

/**
 * The repository's own app (`bin/app.ts`): its cdk.json context (`secureDelivery:*`), the settings plus what
 * the app turns into {@link SecureDelivery}'s props and its stack's environment.
 */
export interface SecureDeliveryConfig extends SecureDeliverySettings {
  /** `source` of the carrier events the rules match (`carrierEventSource`). */
  readonly eventSource: string;
  /** From address of every email (`mail.senderEmail`), on a domain verified in SES; required. */
  readonly senderEmail: string;
  /** ARN of an SES identity (email or domain) that already exists; empty: see {@link createSenderIdentity}. */
  readonly senderIdentityArn: string;
  /** Create the sender's email identity in the stack; false: it already exists in the account. */
  readonly createSenderIdentity: boolean;
  /** Email address subscribed to the alarm topic; this or {@link alarmTopicArn} is required. */
  readonly alarmEmail: string;
  /** ARN of an SNS topic that already exists (a pager, a chat integration) the alarms notify instead of a new one. */
  readonly alarmTopicArn: string;
  /** ARN of the registered origination identity (phone number, pool, sender ID) code SMS go from; empty: no SMS. */
  readonly smsOriginationIdentityArn: string;
  /** An End User Messaging SMS configuration set that exists (`sms.configurationSetName`); empty: the stack creates one. */
  readonly smsConfigurationSetName: string;
  /** The AWS account to deploy to; empty: `CDK_DEFAULT_ACCOUNT`, which the CDK CLI sets from real credentials. */
  readonly account: string;
  /** The Region to deploy to; empty: `CDK_DEFAULT_REGION`, which the CDK CLI sets (us-east-1 when nothing is configured). */
  readonly region: string;
  /** The CloudFormation stack's name: a second stage in the same account and Region takes another. */
  readonly stackName: string;
  /**
   * Synthesize for reading only: no setting is required, and the template carries a rule that refuses to
   * deploy it.
   */
  readonly inspect: boolean;
}

/** Defaults of the app's context: empty where the operator must decide (synth names what is missing). */
export const DEFAULT_CONFIG: SecureDeliveryConfig = {
  ...DEFAULT_SETTINGS,
  eventSource: 'carrier.dispatch',
  senderEmail: '',
  senderIdentityArn: '',
  createSenderIdentity: true,
  alarmEmail: '',
  alarmTopicArn: '',
  smsOriginationIdentityArn: '',
  smsConfigurationSetName: '',
  account: '',
  region: '',
  stackName: 'SecureDelivery',
  inspect: false,
};

/** The From address an inspection synth (`secureDelivery:inspect`) shows: on a reserved domain, never deployable. */
export const INSPECTION_SENDER_EMAIL = 'no-reply@secure-delivery.invalid';

/**
 * Reads `secureDelivery:<key>` context values (or `overrides`) over the defaults, failing synth on a bad
 * value. Required settings are checked by {@link missingDeploySettings}.
 */
export function readConfig(node: Node, overrides: Partial<SecureDeliveryConfig> = {}): SecureDeliveryConfig {
  const read = <K extends keyof SecureDeliveryConfig>(key: K): SecureDeliveryConfig[K] =>
    overrides[key] ??
    (node.tryGetContext(`secureDelivery:${key}`) as SecureDeliveryConfig[K] | undefined) ??
    DEFAULT_CONFIG[key];
  const settings = resolveSettings(
    {
      otpThresholds: read('otpThresholds'),
      maxWrongAttemptsPerCode: Number(read('maxWrongAttemptsPerCode')),
      maxWrongAttemptsPerParcel: Number(read('maxWrongAttemptsPerParcel')),
      recordRetentionDays: Number(read('recordRetentionDays')),
      maxResendsPerCode: Number(read('maxResendsPerCode')),
      maxDeliveryDaysAhead: Number(read('maxDeliveryDaysAhead')),
      driverAccessTokenMinutes: Number(read('driverAccessTokenMinutes')),
      driverRefreshTokenHours: Number(read('driverRefreshTokenHours')),
      auditLogRetentionDays: Number(read('auditLogRetentionDays')),
      driverLoginDomainPrefix: String(read('driverLoginDomainPrefix')),
      emailDelayedFallbackMinutes: Number(read('emailDelayedFallbackMinutes')),
      peakParcelsPerMinute: Number(read('peakParcelsPerMinute')),
      smsMaxPriceUsd: String(read('smsMaxPriceUsd')),
      smsDailyLimitPerNumber: Number(read('smsDailyLimitPerNumber')),
      ...(node.tryGetContext('secureDelivery:smsAllowedCountries') === undefined
        ? {}
        : { smsAllowedCountries: read('smsAllowedCountries') }),
    },
    'secureDelivery:',
  );
  const inspect = String(read('inspect')) === 'true';
  const config: SecureDeliveryConfig = {
    ...settings,
    eventSource: String(read('eventSource')),
    senderEmail: String(read('senderEmail')) || (inspect ? INSPECTION_SENDER_EMAIL : ''),
    senderIdentityArn: String(read('senderIdentityArn')),
    createSenderIdentity: String(read('createSenderIdentity')) !== 'false',
    alarmEmail: String(read('alarmEmail')),
    alarmTopicArn: String(read('alarmTopicArn')),
    smsOriginationIdentityArn: String(read('smsOriginationIdentityArn')),
    smsConfigurationSetName: String(read('smsConfigurationSetName')),
    account: String(read('account')),
    region: String(read('region')),
    stackName: String(read('stackName')),
    inspect,
  };
  if (config.alarmEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail))
    throw new Error('secureDelivery:alarmEmail must be an email address, or empty for none');
  if (
    config.alarmTopicArn !== '' &&
    !/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(config.alarmTopicArn)
  )
    throw new Error(`secureDelivery:alarmTopicArn must be an SNS topic ARN, got ${config.alarmTopicArn}`);
  if (config.account !== '' && !/^\d{12}$/.test(config.account))
    throw new Error(`secureDelivery:account must be a 12-digit AWS account id, got ${config.account}`);
  if (config.region !== '' && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region))
    throw new Error(`secureDelivery:region must be an AWS Region such as eu-central-1, got ${config.region}`);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(config.stackName))
    throw new Error(
      `secureDelivery:stackName must be a CloudFormation stack name (a letter, then letters, digits, hyphens), got ${config.stackName}`,
    );
  if (config.smsConfigurationSetName !== '' && config.smsOriginationIdentityArn === '')
    throw new Error(
      'secureDelivery:smsConfigurationSetName needs secureDelivery:smsOriginationIdentityArn: without it no SMS is sent',
    );
  return config;
}

/**
 * The stack's account and Region: `secureDelivery:account` / `secureDelivery:region` context, else what the
 * CDK CLI sets from the operator's credentials and profile; never a built-in value. Undefined parts leave the
 * stack environment-agnostic, which {@link missingDeploySettings} refuses unless inspecting.
 */
export function stackEnvironment(
  node: Node,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { account?: string; region?: string } {
  const context = (key: string) => {
    const value = node.tryGetContext(`secureDelivery:${key}`) as unknown;
    return value === undefined || value === '' ? undefined : String(value);
  };
  const account = context('account') ?? (env.CDK_DEFAULT_ACCOUNT || undefined);
  const region = context('region') ?? (env.CDK_DEFAULT_REGION || undefined);
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
}

/**
 * Every setting a deployment cannot do without that `config` and the stack's environment lack, one line each
 * naming its context key and an example; empty when inspecting.
 */
export function missingDeploySettings(
  config: SecureDeliveryConfig,
  environment: { readonly accountKnown: boolean; readonly regionKnown: boolean },
): string[] {
  if (config.inspect) return [];
  const missing: string[] = [];
  if (config.senderEmail === '' || isPlaceholderSender(config.senderEmail))
    missing.push(
      `secureDelivery:senderEmail: the From address of every code email, on a domain you verified in SES (example.com, .net, .org are refused), e.g. -c secureDelivery:senderEmail=no-reply@parcels.your-company.com`,
    );
  if (config.alarmEmail === '' && config.alarmTopicArn === '')
    missing.push(
      'secureDelivery:alarmEmail or secureDelivery:alarmTopicArn: who the alarms page, e.g. -c secureDelivery:alarmEmail=oncall@your-company.com or -c secureDelivery:alarmTopicArn=arn:aws:sns:eu-central-1:123456789012:pager',
    );
  if (!environment.accountKnown)
    missing.push(
      'secureDelivery:account: the AWS account to deploy to, e.g. -c secureDelivery:account=123456789012 (or run the CDK CLI with credentials, which sets CDK_DEFAULT_ACCOUNT)',
    );
  if (!environment.regionKnown)
    missing.push(
      'secureDelivery:region: the Region to deploy to, e.g. -c secureDelivery:region=eu-central-1 (or CDK_DEFAULT_REGION)',
    );
  return missing;
}
