import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';
import { KmsCodeHasher } from '../adapters/kms-code-hasher.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import type { KeyPurpose } from '../domain/keys.ts';
import { requireEnv } from './runtime.ts';

/**
 * The code table named by OTP_TABLE_NAME. Call at handler init.
 * @param sdkMaxAttempts SDK attempts per request; fewer where a caller waits on the answer.
 */
export function otpStoreFromEnv(sdkMaxAttempts?: number): DynamoDbOtpStore {
  const client = new DynamoDBClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new DynamoDbOtpStore(client, requireEnv('OTP_TABLE_NAME'));
}

/**
 * The SES mailer sending from SENDER_EMAIL through SES_CONFIGURATION_SET. Call at handler init.
 * @param sdkMaxAttempts SDK attempts per send; 1 where the workflow retries instead.
 */
export function mailerFromEnv(sdkMaxAttempts?: number): SesMailer {
  const client = new SESClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new SesMailer(client, requireEnv('SENDER_EMAIL'), process.env.SES_CONFIGURATION_SET);
}

const SECRET_ENV: Record<KeyPurpose, string> = {
  'otp-encryption': 'OTP_ENCRYPTION_SECRET_ARN',
};

let secretsClient: SecretsManagerClient | undefined;

/** The key for `purpose`, from the secret its environment variable names; fetched once. Call at handler init. */
export function keyFromEnv(purpose: KeyPurpose): () => Promise<Uint8Array> {
  secretsClient ??= new SecretsManagerClient({});
  return cachedKey(secretsClient, requireEnv(SECRET_ENV[purpose]), purpose);
}

/** The recipient table named by RECIPIENT_TABLE_NAME. Call at handler init. */
export function recipientStoreFromEnv(): DynamoDbRecipientStore {
  return new DynamoDbRecipientStore(new DynamoDBClient({}), requireEnv('RECIPIENT_TABLE_NAME'));
}

/**
 * The code hasher using the KMS HMAC key named by OTP_HASH_KEY_ARN. Call at handler init.
 * @param sdkMaxAttempts SDK attempts per request; fewer where a caller waits on the answer.
 */
export function codeHasherFromEnv(sdkMaxAttempts?: number): KmsCodeHasher {
  const client = new KMSClient(sdkMaxAttempts === undefined ? {} : { maxAttempts: sdkMaxAttempts });
  return new KmsCodeHasher(client, requireEnv('OTP_HASH_KEY_ARN'));
}
