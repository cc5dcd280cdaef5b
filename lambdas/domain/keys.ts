import { hkdfSync } from 'node:crypto';

/**
 * What a derived key is for; each purpose yields an independent key from its secret. The code hash has
 * no purpose here: its key lives in KMS and never reaches a function.
 */
export type KeyPurpose = 'otp-encryption';

/** Derives a 32-byte key from a secret string with HKDF-SHA-256, so secret rotation format stays free. */
export function deriveKey(secret: string, purpose: KeyPurpose): Uint8Array {
  if (secret.length < 32) throw new Error(`Secret for ${purpose} is too short`);
  return new Uint8Array(hkdfSync('sha256', secret, 'secure-delivery', purpose, 32));
}
