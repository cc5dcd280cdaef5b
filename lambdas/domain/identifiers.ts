// Kept free of zod so handlers that only check identifiers load fast.

/** Parcel ids: a letter or digit, then up to 63 of letters, digits, `.`, `_`, `-` (safe in URL paths). */
export const PARCEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Driver ids (the carrier's own): the same alphabet as parcel ids, up to 128 characters. */
export const DRIVER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * An email address in ASCII: dot-separated local part of letters, digits and `_ ' + -`; a domain of
 * ASCII labels (IDNs in their `xn--` form). The pattern of zod's `z.email()`, so the header the recipient
 * routes accept and the address `Parcel Shipped` stores are the same language.
 */
export const EMAIL_ADDRESS_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** An ASCII email address ({@link EMAIL_ADDRESS_PATTERN}) of at most 254 characters. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL_ADDRESS_PATTERN.test(value);
}

/** A phone number in E.164: `+`, a country code (not starting with 0), 8 to 15 digits in all. */
export const PHONE_NUMBER_PATTERN = /^\+[1-9]\d{7,14}$/;
