// Apart from wiring.ts: only the functions that text or publish load these clients (verify's bundle stays lean).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { SmsMessenger } from '../adapters/sms-messenger.ts';
import type { FallbackDeps } from '../domain/delivery-status.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { systemClock } from '../domain/otp-record.ts';
import { intEnv, requireEnv } from './runtime.ts';
import { keyFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from './wiring.ts';

/** The SMS sender through SMS_ORIGINATION_IDENTITY and SMS_CONFIGURATION_SET. Call at handler init. */
export function messengerFromEnv(): SmsMessenger {
  return new SmsMessenger(
    new PinpointSMSVoiceV2Client({}),
    requireEnv('SMS_ORIGINATION_IDENTITY'),
    requireEnv('SMS_CONFIGURATION_SET'),
  );
}

/** Publisher of the product's events to EVENT_BUS_NAME with EVENT_SOURCE. Call at handler init. */
export function publisherFromEnv(): EventPublisher {
  return new EventPublisher(
    new EventBridgeClient({}),
    requireEnv('EVENT_BUS_NAME'),
    requireEnv('EVENT_SOURCE'),
  );
}

/**
 * What the SMS fallback needs (the record-delivery and sweep-delayed functions), from the environment:
 * one place for its clients and the SMS claim's lease. Call at handler init; the AES key is fetched on
 * the first `deps()`.
 */
export function smsFallbackFromEnv(): {
  readonly store: DynamoDbOtpStore;
  deps(): Promise<FallbackDeps>;
} {
  const store = otpStoreFromEnv();
  const recipients = recipientStoreFromEnv();
  const messenger = messengerFromEnv();
  const publisher = publisherFromEnv();
  const encryptionKey = keyFromEnv('otp-encryption');
  const claimLeaseSeconds = intEnv('SMS_CLAIM_LEASE_SECONDS', 30);
  return {
    store,
    deps: async () => ({
      store,
      recipients,
      messenger,
      encryptionKey: await encryptionKey(),
      clock: systemClock,
      claimLeaseSeconds,
      publishUndeliverable: (detail) => publisher.publish(DetailType.OtpUndeliverable, detail),
    }),
  };
}
