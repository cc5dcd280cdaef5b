import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deriveKey, type KeyPurpose } from '../domain/keys.ts';

/**
 * Fetches a secret once per container and derives its key, caching the promise so concurrent first
 * calls share one request; a failed fetch is not cached, so the next invocation tries again.
 */
export function cachedKey(
  client: SecretsManagerClient,
  secretId: string,
  purpose: KeyPurpose,
): () => Promise<Uint8Array> {
  let pending: Promise<Uint8Array> | undefined;
  return () => {
    // The package is imported with the request, not by this module: the SMS fallback loads it on first use.
    pending ??= import('@aws-sdk/client-secrets-manager')
      .then(({ GetSecretValueCommand }) => client.send(new GetSecretValueCommand({ SecretId: secretId })))
      .then((output) => {
        if (!output.SecretString) throw new Error(`Secret for ${purpose} has no string value`);
        return deriveKey(output.SecretString, purpose);
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
