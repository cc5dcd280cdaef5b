import { describe, expect, it } from 'vitest';
import type { ParcelShippedDetail } from '../../lambdas/domain/events/carrier-events.ts';
import { decideOtp, type OtpThresholds, parseThresholds } from '../../lambdas/domain/value-policy.ts';

type PolicyInput = Pick<ParcelShippedDetail, 'destination' | 'deliveryPartner' | 'declaredValue'>;

const THRESHOLDS: OtpThresholds = { EUR: 50_000, GBP: 40_000, USD: 50_000, CHF: 50_000 };

function parcel(overrides: {
  amount?: number;
  currency?: string;
  type?: PolicyInput['destination']['type'];
  partner?: PolicyInput['deliveryPartner'];
}): PolicyInput {
  return {
    destination: { type: overrides.type ?? 'HOME', timeZone: 'Europe/Berlin' },
    deliveryPartner: overrides.partner ?? 'OWN_FLEET',
    declaredValue: { amount: overrides.amount ?? 129_900, currency: overrides.currency ?? 'EUR' },
  };
}

describe('decideOtp', () => {
  it('requires a code for a HOME delivery by our own fleet exactly at the threshold', () => {
    // Act
    const decision = decideOtp(parcel({ amount: 50_000 }), THRESHOLDS);

    // Assess
    expect(decision).toEqual({ required: true, reason: 'AT_OR_ABOVE_THRESHOLD' });
  });

  it('requires a code above the threshold', () => {
    // Act
    const decision = decideOtp(parcel({ amount: 129_900 }), THRESHOLDS);

    // Assess
    expect(decision).toEqual({ required: true, reason: 'AT_OR_ABOVE_THRESHOLD' });
  });

  it('does not require a code one minor unit below the threshold', () => {
    // Act
    const decision = decideOtp(parcel({ amount: 49_999 }), THRESHOLDS);

    // Assess
    expect(decision).toEqual({ required: false, reason: 'BELOW_THRESHOLD' });
  });

  it('applies the threshold of the parcel currency, not another one', () => {
    // Act: 45000 is below the EUR threshold (50000) but above the GBP one (40000).
    const eur = decideOtp(parcel({ amount: 45_000, currency: 'EUR' }), THRESHOLDS);
    const gbp = decideOtp(parcel({ amount: 45_000, currency: 'GBP' }), THRESHOLDS);

    // Assess
    expect(eur.required).toBe(false);
    expect(gbp.required).toBe(true);
  });

  it.each(['LOCKER', 'PO_BOX', 'PICKUP_POINT'] as const)(
    'does not require a code for a %s destination however valuable',
    (type) => {
      // Act
      const decision = decideOtp(parcel({ type, amount: 10_000_000_000_000 }), THRESHOLDS);

      // Assess
      expect(decision).toEqual({ required: false, reason: 'DESTINATION_NOT_HOME' });
    },
  );

  it('does not require a code when a partner delivers, however valuable', () => {
    // Act
    const decision = decideOtp(parcel({ partner: 'PARTNER', amount: 10_000_000_000_000 }), THRESHOLDS);

    // Assess
    expect(decision).toEqual({ required: false, reason: 'PARTNER_DELIVERY' });
  });

  it.each(['XYZ', 'JPY'])(
    'requires a code for a currency without a threshold (%s), even for 1 unit',
    (currency) => {
      // Act
      const decision = decideOtp(parcel({ currency, amount: 1 }), THRESHOLDS);

      // Assess
      expect(decision).toEqual({ required: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' });
    },
  );

  it('requires a code for a currency with no threshold when there are no thresholds at all', () => {
    // Act
    const decision = decideOtp(parcel({ amount: 0 }), {});

    // Assess
    expect(decision).toEqual({ required: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' });
  });

  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])(
    'does not take the Object prototype member %j for a threshold',
    (currency) => {
      // Act: a function or object compared with >= is false, which would wave the parcel through.
      const decision = decideOtp(parcel({ currency, amount: 1 }), { ...THRESHOLDS });

      // Assess
      expect(decision).toEqual({ required: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' });
    },
  );

  it('ignores a threshold that is only inherited, not the thresholds object own', () => {
    // Prepare
    const inherited: OtpThresholds = Object.create({ EUR: 10 }) as OtpThresholds;

    // Act
    const decision = decideOtp(parcel({ currency: 'EUR', amount: 5 }), inherited);

    // Assess
    expect(decision).toEqual({ required: true, reason: 'NO_THRESHOLD_FOR_CURRENCY' });
  });

  it('requires a code for any amount when the threshold is zero', () => {
    // Act
    const decision = decideOtp(parcel({ amount: 0 }), { EUR: 0 });

    // Assess
    expect(decision).toEqual({ required: true, reason: 'AT_OR_ABOVE_THRESHOLD' });
  });
});

describe('parseThresholds', () => {
  it('parses currency to non-negative integer minor units and freezes the result', () => {
    // Act
    const thresholds = parseThresholds('{"EUR":50000,"GBP":40000,"JPY":0}');

    // Assess
    expect(thresholds).toEqual({ EUR: 50_000, GBP: 40_000, JPY: 0 });
    expect(Object.isFrozen(thresholds)).toBe(true);
  });

  it('accepts an empty object (every currency then requires a code)', () => {
    // Act
    const thresholds = parseThresholds('{}');

    // Assess
    expect(thresholds).toEqual({});
  });

  it.each([
    ['an array', '[50000]'],
    ['null', 'null'],
    ['a number', '50000'],
    ['a string', '"EUR"'],
    ['a boolean', 'true'],
  ])('rejects %s', (_label, json) => {
    // Act
    const parse = () => parseThresholds(json);

    // Assess
    expect(parse).toThrow(/must be a JSON object/);
  });

  it.each([
    ['a negative amount', '{"EUR":-1}', 'EUR'],
    ['a fractional amount', '{"EUR":500.5}', 'EUR'],
    ['an amount as a string', '{"EUR":"50000"}', 'EUR'],
    ['a null amount', '{"EUR":null}', 'EUR'],
    ['an unsafe integer', '{"EUR":9007199254740993}', 'EUR'],
    ['a lowercase currency', '{"eur":50000}', 'eur'],
    ['a four-letter currency', '{"EURO":50000}', 'EURO'],
    ['a numeric currency', '{"978":50000}', '978'],
    ['a prototype key', '{"__proto__":50000}', '__proto__'],
  ])('rejects %s and names the currency', (_label, json, currency) => {
    // Act
    const parse = () => parseThresholds(json);

    // Assess
    expect(parse).toThrow(`OTP threshold for ${currency} must be a non-negative integer in minor units`);
  });

  it('rejects text that is not JSON', () => {
    // Act
    const parse = () => parseThresholds('EUR=50000');

    // Assess
    expect(parse).toThrow(SyntaxError);
  });
});
