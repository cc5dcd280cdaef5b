// The functions that send a code load SES and Secrets Manager at init; SMS loads with the first text.
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import type { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';
import type { SesMailer } from '../adapters/ses-mailer.ts';
import type { CodeDeliveryVariable, VariablesEnvironment } from '../contracts/environment.ts';
import { type Clock, systemClock, type TextMessenger } from '../domain/otp-record.ts';
import { createMessenger } from './on-demand-wiring.ts';
import { createEncryptionKey } from './secrets-wiring.ts';
import { createMailer } from './ses-wiring.ts';
import { createCodeTable, createDynamoDbClient, createRecipientStore, type SdkOptions } from './wiring.ts';

/** The clients a code goes out through, by email or SMS. */
export interface CodeDelivery {
  readonly store: DynamoDbDeliveryClaims;
  readonly recipients: DynamoDbRecipientStore;
  readonly mailer: SesMailer;
  /** Absent when the deployment offers no SMS channel. */
  readonly messenger?: TextMessenger;
  readonly encryptionKey: Uint8Array;
  readonly clock: Clock;
}

/**
 * What sending a code by email or SMS needs (the resend-otp and send-otp-email functions): its clients,
 * made once at handler init; the AES key is fetched on the first call.
 */
export function createCodeDelivery(
  env: VariablesEnvironment<CodeDeliveryVariable>,
  options: { readonly mailer?: SdkOptions } = {},
): () => Promise<CodeDelivery> {
  const dynamodb = createDynamoDbClient();
  const table = createCodeTable(env, dynamodb);
  const store = new DynamoDbDeliveryClaims(table);
  const recipients = createRecipientStore(env, dynamodb);
  const mailer = createMailer(env, options.mailer);
  const encryptionKey = createEncryptionKey(env);
  const messenger = createMessenger(env, table, encryptionKey);
  return async () => ({
    store,
    recipients,
    mailer,
    ...(messenger ? { messenger } : {}),
    encryptionKey: await encryptionKey(),
    clock: systemClock,
  });
}
