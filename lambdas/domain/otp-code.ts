import { createCipheriv, createDecipheriv, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Number of digits in a delivery code. */
export const OTP_DIGITS = 6;
const OTP_PATTERN = /^[0-9]{6}$/;

/** Generates a uniformly distributed 6-digit code from the CSPRNG (no modulo bias: randomInt rejects). */
export function generateOtpCode(): string {
  return randomInt(0, 10 ** OTP_DIGITS)
    .toString()
    .padStart(OTP_DIGITS, '0');
}

/** True when `value` is exactly six ASCII digits (no Unicode digits, no whitespace). */
export function isWellFormedOtpCode(value: string): boolean {
  return OTP_PATTERN.test(value);
}

/**
 * Keyed hash of a code, bound to its parcel so a hash cannot be replayed on another parcel (and a
 * 10^6-entry table is useless without the key). The key never leaves the key service: whoever holds a
 * hasher can only ask for one MAC at a time, so a code cannot be recovered offline from its hash.
 */
export interface CodeHasher {
  /** Lower-case hex MAC of {@link codeMacMessage}. */
  hash(parcelId: string, code: string): Promise<string>;
}

/**
 * The bytes a code's MAC is computed over: parcel and code, NUL-separated so no shift of characters
 * between the two gives the same message. Not bound to the issue: verify must build the hash before it
 * reads anything, to stay at one round trip.
 */
export function codeMacMessage(parcelId: string, code: string): Uint8Array {
  return new Uint8Array(Buffer.from(`${parcelId}\u0000${code}`, 'utf8'));
}

/** Constant-time equality of two hex digests (false for different lengths without early exit on content). */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');
  if (a.length !== b.length) {
    // Compare against itself so the work done does not depend on where the inputs differ.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/**
 * Encrypts a code with AES-256-GCM so it can be re-sent and shown under Track Package without being
 * stored in plaintext. The parcel and issue are authenticated as associated data. Output: base64(iv|tag|ct).
 */
export function encryptOtpCode(key: Uint8Array, parcelId: string, issueId: string, code: string): string {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${parcelId}\u0000${issueId}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Reverses {@link encryptOtpCode}; throws when the ciphertext, key or associated data do not match. */
export function decryptOtpCode(key: Uint8Array, parcelId: string, issueId: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64');
  const iv = raw.subarray(0, GCM_IV_BYTES);
  const tag = raw.subarray(GCM_IV_BYTES, GCM_IV_BYTES + GCM_TAG_BYTES);
  // A full 16-byte tag only: a shorter one would weaken the authentication.
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(Buffer.from(`${parcelId}\u0000${issueId}`, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(raw.subarray(GCM_IV_BYTES + GCM_TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
