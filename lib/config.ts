import type { Node } from 'constructs';

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
  /** Create the SES sender identity in the stack. */
  readonly createSenderIdentity: boolean;
}

/** Defaults for every setting not in context. */
export const DEFAULT_CONFIG: SecureDeliveryConfig = {
  eventSource: 'carrier.dispatch',
  senderEmail: 'no-reply@secure-delivery.example.com',
  otpThresholds: { EUR: 50000, GBP: 40000, USD: 50000, CHF: 50000 },
  maxWrongAttemptsPerCode: 5,
  maxWrongAttemptsPerParcel: 10,
  recordRetentionDays: 30,
  maxResendsPerCode: 3,
  createSenderIdentity: true,
};

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
    createSenderIdentity: String(read('createSenderIdentity')) !== 'false',
  };
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
  ] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] < 1)
      throw new Error(`secureDelivery:${key} must be >= 1`);
  }
  return config;
}
