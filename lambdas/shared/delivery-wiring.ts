// Apart from wiring.ts: only the functions that text or publish load these clients (verify's bundle stays lean).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { SmsMessenger } from '../adapters/sms-messenger.ts';
import type { FallbackDeps } from '../domain/delivery-status.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { systemClock } from '../domain/otp-record.ts';
import { createEncryptionKey, createOtpStore, createRecipientStore } from './wiring.ts';

/** The SMS sender through SMS_ORIGINATION_IDENTITY and SMS_CONFIGURATION_SET. Call at handler init. */
export function createMessenger(env: {
  readonly SMS_ORIGINATION_IDENTITY: string;
  readonly SMS_CONFIGURATION_SET: string;
}): SmsMessenger {
  return new SmsMessenger(
    new PinpointSMSVoiceV2Client({}),
    env.SMS_ORIGINATION_IDENTITY,
    env.SMS_CONFIGURATION_SET,
  );
}

/** Publisher of the product's events to EVENT_BUS_NAME with EVENT_SOURCE. Call at handler init. */
export function createPublisher(env: {
  readonly EVENT_BUS_NAME: string;
  readonly EVENT_SOURCE: string;
}): EventPublisher {
  return new EventPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME, env.EVENT_SOURCE);
}

/** The variables the SMS fallback reads (the record-delivery and sweep-delayed functions). */
export interface SmsFallbackEnvironment {
  readonly OTP_TABLE_NAME: string;
  readonly RECIPIENT_TABLE_NAME: string;
  readonly OTP_ENCRYPTION_SECRET_ARN: string;
  readonly SMS_ORIGINATION_IDENTITY: string;
  readonly SMS_CONFIGURATION_SET: string;
  readonly EVENT_BUS_NAME: string;
  readonly EVENT_SOURCE: string;
  readonly SMS_CLAIM_LEASE_SECONDS: number;
}

/**
 * What the SMS fallback needs: one place for its clients and the SMS claim's lease. Call at handler init;
 * the AES key is fetched on the first `deps()`.
 */
export function createSmsFallback(env: SmsFallbackEnvironment): {
  readonly store: DynamoDbOtpStore;
  deps(): Promise<FallbackDeps>;
} {
  const store = createOtpStore(env);
  const recipients = createRecipientStore(env);
  const messenger = createMessenger(env);
  const publisher = createPublisher(env);
  const encryptionKey = createEncryptionKey(env);
  return {
    store,
    deps: async () => ({
      store,
      recipients,
      messenger,
      encryptionKey: await encryptionKey(),
      clock: systemClock,
      claimLeaseSeconds: env.SMS_CLAIM_LEASE_SECONDS,
      publishUndeliverable: (detail) => publisher.publish(DetailType.OtpUndeliverable, detail),
    }),
  };
}
