import type { ParcelShippedDetail } from './events/carrier-events.ts';
import type { OtpNotRequiredDetail } from './events/code-events.ts';

/** Minimum declared value (minor units) that requires a code, per ISO 4217 currency. */
export type OtpThresholds = Readonly<Record<string, number>>;

/** Why a parcel does or does not get a code; emitted on the bus and logged. */
export type OtpDecision =
  | { readonly required: true; readonly reason: 'AT_OR_ABOVE_THRESHOLD' | 'NO_THRESHOLD_FOR_CURRENCY' }
  | { readonly required: false; readonly reason: OtpNotRequiredDetail['reason'] };

/**
 * Decides whether a parcel needs a code: HOME delivery by our own fleet at or above the currency's
 * threshold. A currency with no threshold requires one (fail safe: an unknown currency is never waved through).
 */
export function decideOtp(
  parcel: Pick<ParcelShippedDetail, 'destination' | 'deliveryPartner' | 'declaredValue'>,
  thresholds: OtpThresholds,
): OtpDecision {
  if (parcel.destination.type !== 'HOME') return { required: false, reason: 'DESTINATION_NOT_HOME' };
  if (parcel.deliveryPartner !== 'OWN_FLEET') return { required: false, reason: 'PARTNER_DELIVERY' };
  const threshold = Object.hasOwn(thresholds, parcel.declaredValue.currency)
    ? thresholds[parcel.declaredValue.currency]
    : undefined;
  if (threshold === undefined) return { required: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' };
  return parcel.declaredValue.amount >= threshold
    ? { required: true, reason: 'AT_OR_ABOVE_THRESHOLD' }
    : { required: false, reason: 'BELOW_THRESHOLD' };
}

/** Parses the thresholds from configuration JSON; rejects anything but currency -> non-negative integer. */
export function parseThresholds(json: string): OtpThresholds {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('OTP thresholds must be a JSON object');
  }
  for (const [currency, amount] of Object.entries(parsed)) {
    if (!/^[A-Z]{3}$/.test(currency) || !Number.isSafeInteger(amount) || (amount as number) < 0) {
      throw new Error(`OTP threshold for ${currency} must be a non-negative integer in minor units`);
    }
  }
  return Object.freeze({ ...(parsed as Record<string, number>) });
}
