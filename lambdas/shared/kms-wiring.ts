import { KMSClient } from '@aws-sdk/client-kms';
import { KmsCodeHasher } from '../adapters/kms-code-hasher.ts';
import { type SdkOptions, sdkConfig } from './wiring.ts';

// The KMS client on its own: only the functions that hash codes load it (see wiring.ts).

/** The code hasher using the KMS HMAC key named by OTP_HASH_KEY_ARN. */
export function createCodeHasher(
  env: { readonly OTP_HASH_KEY_ARN: string },
  sdk: SdkOptions = {},
): KmsCodeHasher {
  const client = new KMSClient(sdkConfig(sdk));
  return new KmsCodeHasher(client, env.OTP_HASH_KEY_ARN);
}
