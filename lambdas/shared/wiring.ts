import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';
import { KmsCodeHasher } from '../adapters/kms-code-hasher.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import type { GroupVariable, VariablesEnvironment } from '../contracts/environment.ts';

// Each function takes the values a handler read through the environment contract (lambdas/contracts),
// never the process environment itself: call them at init with the handler's `readEnvironment(...)`.

/**
 * The code table named by OTP_TABLE_NAME.
 * @param sdkMaxAttempts SDK attempts per request; fewer where a caller waits on the answer.
 * @param closureTtlSeconds how long a closure outlives its Parcel Shipped; only the closing function passes it.
 */
export function createOtpStore(
  env: { readonly OTP_TABLE_NAME: string },
  sdkMaxAttempts?: number,
  closureTtlSeconds?: number,
): DynamoDbOtpStore {
  const client = new DynamoDBClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new DynamoDbOtpStore(client, env.OTP_TABLE_NAME, undefined, closureTtlSeconds);
}

/**
 * The SES mailer sending from SENDER_EMAIL through SES_CONFIGURATION_SET.
 * @param sdkMaxAttempts SDK attempts per send; 1 where the workflow retries instead.
 */
export function createMailer(
  env: VariablesEnvironment<GroupVariable<'mail'>>,
  sdkMaxAttempts?: number,
): SesMailer {
  const client = new SESClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new SesMailer(client, env.SENDER_EMAIL, env.SES_CONFIGURATION_SET);
}

let secretsClient: SecretsManagerClient | undefined;

/** The codes' AES key, from the secret OTP_ENCRYPTION_SECRET_ARN names; fetched once, on the first call. */
export function createEncryptionKey(env: {
  readonly OTP_ENCRYPTION_SECRET_ARN: string;
}): () => Promise<Uint8Array> {
  secretsClient ??= new SecretsManagerClient({});
  return cachedKey(secretsClient, env.OTP_ENCRYPTION_SECRET_ARN, 'otp-encryption');
}

/** The recipient table named by RECIPIENT_TABLE_NAME. */
export function createRecipientStore(env: { readonly RECIPIENT_TABLE_NAME: string }): DynamoDbRecipientStore {
  return new DynamoDbRecipientStore(new DynamoDBClient({}), env.RECIPIENT_TABLE_NAME);
}

/**
 * The code hasher using the KMS HMAC key named by OTP_HASH_KEY_ARN.
 * @param sdkMaxAttempts SDK attempts per request; fewer where a caller waits on the answer.
 */
export function createCodeHasher(
  env: { readonly OTP_HASH_KEY_ARN: string },
  sdkMaxAttempts?: number,
): KmsCodeHasher {
  const client = new KMSClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new KmsCodeHasher(client, env.OTP_HASH_KEY_ARN);
}
