// No static import of an AWS SDK package here (nor in the adapters below): each client is made, and its
// package loaded, when its rare path first runs, so the functions that carry that path do not pay at init.
import type { CodeTable } from '../adapters/dynamodb-code-table.ts';
import { DynamoDbSmsQuota } from '../adapters/dynamodb-sms-quota.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { SmsMessenger } from '../adapters/sms-messenger.ts';
import type { GroupVariable, VariablesEnvironment } from '../contracts/environment.ts';
import { systemClock, type TextMessenger } from '../domain/otp-record.ts';
import { DailyCappedMessenger } from '../domain/sms-cap.ts';

/** `make`'s result, made on the first call and shared after; a failure is not kept, the next call retries. */
function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

/**
 * True when the deployment offers the SMS channel: both its variables are set. One without the other is
 * a broken deployment and fails the handler's init.
 */
export function smsOffered(env: VariablesEnvironment<GroupVariable<'sms'>>): boolean {
  const set = [env.SMS_ORIGINATION_IDENTITY, env.SMS_CONFIGURATION_SET].filter((v) => v !== undefined);
  if (set.length === 1)
    throw new Error('SMS_ORIGINATION_IDENTITY and SMS_CONFIGURATION_SET are set together or not at all');
  return set.length === 2;
}

/** The SMS sender of the deployment's SMS settings, its client (and package) made on the first text. */
function smsSenderOnFirstUse(env: VariablesEnvironment<GroupVariable<'sms'>>): TextMessenger {
  const messenger = onFirstUse(async () => {
    const { PinpointSMSVoiceV2Client } = await import('@aws-sdk/client-pinpoint-sms-voice-v2');
    return new SmsMessenger(
      new PinpointSMSVoiceV2Client({}),
      String(env.SMS_ORIGINATION_IDENTITY),
      String(env.SMS_CONFIGURATION_SET),
      env.SMS_MAX_PRICE,
      env.SMS_PROTECT_CONFIGURATION_ID,
    );
  });
  return { send: async (message) => (await messenger()).send(message) };
}

/**
 * The SMS sender through SMS_ORIGINATION_IDENTITY, SMS_CONFIGURATION_SET and SMS_PROTECT_CONFIGURATION_ID,
 * at most SMS_MAX_PRICE a message and SMS_DAILY_LIMIT_PER_NUMBER a day to one number (counted in the code
 * table, keyed by an HMAC of the number), its client made on the first text; undefined when the deployment
 * offers no SMS channel. Call at handler init.
 */
export function createMessenger(
  env: VariablesEnvironment<GroupVariable<'sms'>>,
  table: CodeTable,
  encryptionKey: () => Promise<Uint8Array>,
): TextMessenger | undefined {
  if (!smsOffered(env)) return undefined;
  return new DailyCappedMessenger(smsSenderOnFirstUse(env), new DynamoDbSmsQuota(table), {
    key: encryptionKey,
    limit: env.SMS_DAILY_LIMIT_PER_NUMBER,
    clock: systemClock,
  });
}

/**
 * The receipt's SMS sender (the same settings), its client made on the first text, or undefined without an
 * SMS channel. Not counted against a number's daily limit: one receipt per verified handover, which takes
 * the recipient's own code. Call at handler init.
 */
export function createReceiptMessenger(
  env: VariablesEnvironment<GroupVariable<'sms'>>,
): TextMessenger | undefined {
  return smsOffered(env) ? smsSenderOnFirstUse(env) : undefined;
}

/** Publisher to EVENT_BUS_NAME with EVENT_SOURCE, its client made on the first event. Call at handler init. */
export function createPublisher(
  env: VariablesEnvironment<GroupVariable<'eventBus'>>,
): () => Promise<EventPublisher> {
  return onFirstUse(async () => {
    const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
    return new EventPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME, env.EVENT_SOURCE);
  });
}

/**
 * The codes' AES key from the secret OTP_ENCRYPTION_SECRET_ARN names, its client made on the first call
 * (for the SMS fallback; functions whose every call reads a code use secrets-wiring.ts).
 */
export function createEncryptionKeyOnFirstUse(env: {
  readonly OTP_ENCRYPTION_SECRET_ARN: string;
}): () => Promise<Uint8Array> {
  const key = onFirstUse(async () => {
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    return cachedKey(new SecretsManagerClient({}), env.OTP_ENCRYPTION_SECRET_ARN, 'otp-encryption');
  });
  return async () => (await key())();
}
