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
