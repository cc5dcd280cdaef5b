// Apart from wiring.ts: only the functions that text or publish load these clients (verify's bundle stays lean).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { EventPublisher } from '../adapters/event-publisher.ts';
import { SmsMessenger } from '../adapters/sms-messenger.ts';
import { requireEnv } from './runtime.ts';

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
