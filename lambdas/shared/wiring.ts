import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCodeStore } from '../adapters/dynamodb-code-store.ts';
import { CodeTable } from '../adapters/dynamodb-code-table.ts';
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import { DynamoDbLifecycleStore, type LifecycleStoreOptions } from '../adapters/dynamodb-lifecycle-store.ts';
import { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';

// Each function takes the values a handler read through the environment contract (lambdas/contracts),
// never the process environment itself: call them at init with the handler's `readEnvironment(...)`.
// This module imports the DynamoDB client only; each other client has its own wiring module, so a bundle
// loads at init only the SDK packages its function uses (esbuild keeps an external import even if unused).

/** How a function's SDK clients retry. */
export interface SdkOptions {
  /** SDK attempts per request; fewer where a caller waits on the answer, 1 where a workflow retries instead. */
  readonly maxAttempts?: number;
}

/** The client configuration of `sdk`. */
export const sdkConfig = (sdk: SdkOptions) =>
  sdk.maxAttempts === undefined ? {} : { maxAttempts: sdk.maxAttempts };

/**
 * The function's one DynamoDB client: every table it reaches shares it, so a cold start makes one client
 * and opens one connection pool (a client per table paid a second construction and TLS handshake).
 */
export function createDynamoDbClient(sdk: SdkOptions = {}): DynamoDBClient {
  return new DynamoDBClient(sdkConfig(sdk));
}

/** The code table named by OTP_TABLE_NAME, as each code adapter reaches it. */
export function createCodeTable(
  env: { readonly OTP_TABLE_NAME: string },
  dynamodb: DynamoDBClient,
): CodeTable {
  return new CodeTable(dynamodb, { tableName: env.OTP_TABLE_NAME });
}

/** Codes and verification in the code table: issuing, driver binding, verify. */
export function createCodeStore(
  env: { readonly OTP_TABLE_NAME: string },
  dynamodb: DynamoDBClient,
): DynamoDbCodeStore {
  return new DynamoDbCodeStore(createCodeTable(env, dynamodb));
}

/** The codes' lifecycle in the code table: reissue, revoke, close. */
export function createLifecycleStore(
  env: { readonly OTP_TABLE_NAME: string },
  dynamodb: DynamoDBClient,
  options: LifecycleStoreOptions = {},
): DynamoDbLifecycleStore {
  return new DynamoDbLifecycleStore(createCodeTable(env, dynamodb), options);
}

/** The delivery claims in the code table: code email and SMS, resends, receipt, undeliverable report. */
export function createDeliveryClaims(
  env: { readonly OTP_TABLE_NAME: string },
  dynamodb: DynamoDBClient,
): DynamoDbDeliveryClaims {
  return new DynamoDbDeliveryClaims(createCodeTable(env, dynamodb));
}

/**
 * The recipient table named by RECIPIENT_TABLE_NAME; `reads` the attributes its reads project (the
 * contract's `TABLE_ACCESS`, which IAM enforces), all of them when omitted.
 */
export function createRecipientStore(
  env: { readonly RECIPIENT_TABLE_NAME: string },
  dynamodb: DynamoDBClient,
  reads?: readonly string[],
): DynamoDbRecipientStore {
  return new DynamoDbRecipientStore(dynamodb, env.RECIPIENT_TABLE_NAME, reads);
}
