import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDbCodeStore } from '../adapters/dynamodb-code-store.ts';
import { CodeTable } from '../adapters/dynamodb-code-table.ts';
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import { DynamoDbLifecycleStore, type LifecycleStoreOptions } from '../adapters/dynamodb-lifecycle-store.ts';
import { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';
import { KmsCodeHasher } from '../adapters/kms-code-hasher.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import type { GroupVariable, VariablesEnvironment } from '../contracts/environment.ts';

// Each function takes the values a handler read through the environment contract (lambdas/contracts),
// never the process environment itself: call them at init with the handler's `readEnvironment(...)`.

/** How a function's SDK clients retry. */
export interface SdkOptions {
  /** SDK attempts per request; fewer where a caller waits on the answer, 1 where a workflow retries instead. */
  readonly maxAttempts?: number;
}

const sdkConfig = (sdk: SdkOptions) =>
  sdk.maxAttempts === undefined ? {} : { maxAttempts: sdk.maxAttempts };

/** The code table named by OTP_TABLE_NAME, as each code adapter reaches it. */
export function createCodeTable(env: { readonly OTP_TABLE_NAME: string }, sdk: SdkOptions = {}): CodeTable {
  return new CodeTable(new DynamoDBClient(sdkConfig(sdk)), { tableName: env.OTP_TABLE_NAME });
}

/** Codes and verification in the code table: issuing, driver binding, verify. */
export function createCodeStore(
  env: { readonly OTP_TABLE_NAME: string },
  sdk: SdkOptions = {},
): DynamoDbCodeStore {
  return new DynamoDbCodeStore(createCodeTable(env, sdk));
}

/** The codes' lifecycle in the code table: reissue, revoke, close. */
export function createLifecycleStore(
  env: { readonly OTP_TABLE_NAME: string },
  options: LifecycleStoreOptions = {},
): DynamoDbLifecycleStore {
  return new DynamoDbLifecycleStore(createCodeTable(env), options);
}

/** The delivery claims in the code table: code email and SMS, resends, receipt, undeliverable report. */
export function createDeliveryClaims(env: { readonly OTP_TABLE_NAME: string }): DynamoDbDeliveryClaims {
  return new DynamoDbDeliveryClaims(createCodeTable(env));
}

/** The SES mailer sending from SENDER_EMAIL through SES_CONFIGURATION_SET. */
export function createMailer(
  env: VariablesEnvironment<GroupVariable<'mail'>>,
  sdk: SdkOptions = {},
): SesMailer {
  const client = new SESClient(sdkConfig(sdk));
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

/**
 * The recipient table named by RECIPIENT_TABLE_NAME; `reads` the attributes its reads project (the
 * contract's `TABLE_ACCESS`, which IAM enforces), all of them when omitted.
 */
export function createRecipientStore(
  env: { readonly RECIPIENT_TABLE_NAME: string },
  reads?: readonly string[],
): DynamoDbRecipientStore {
  return new DynamoDbRecipientStore(new DynamoDBClient({}), env.RECIPIENT_TABLE_NAME, reads);
}

/** The code hasher using the KMS HMAC key named by OTP_HASH_KEY_ARN. */
export function createCodeHasher(
  env: { readonly OTP_HASH_KEY_ARN: string },
  sdk: SdkOptions = {},
): KmsCodeHasher {
  const client = new KMSClient(sdkConfig(sdk));
  return new KmsCodeHasher(client, env.OTP_HASH_KEY_ARN);
}
