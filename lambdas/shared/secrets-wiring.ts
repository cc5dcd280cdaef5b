import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedKey } from '../adapters/secrets.ts';

// The Secrets Manager client at init, for the functions whose every call reads a code (see wiring.ts);
// the SMS fallback makes its own on first use (on-demand-wiring.ts).

/**
 * The codes' AES key, from the secret OTP_ENCRYPTION_SECRET_ARN names; fetched once, on the first call.
 * Its client is the calling function's own (a module-wide one would outlive a sandbox and its endpoints).
 */
export function createEncryptionKey(env: {
  readonly OTP_ENCRYPTION_SECRET_ARN: string;
}): () => Promise<Uint8Array> {
  return cachedKey(new SecretsManagerClient({}), env.OTP_ENCRYPTION_SECRET_ARN, 'otp-encryption');
}
