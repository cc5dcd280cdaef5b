// Apart from wiring.ts: only the functions that text or publish load these clients (verify's bundle stays lean).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { CodeTable } from '../adapters/dynamodb-code-table.ts';
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import { DynamoDbDeliveryStatusStore } from '../adapters/dynamodb-delivery-status-store.ts';
import type { DynamoDbRecipientStore } from '../adapters/dynamodb-recipient-store.ts';
import { DynamoDbSmsDeliveryStore } from '../adapters/dynamodb-sms-delivery-store.ts';
import { DynamoDbSmsQuota } from '../adapters/dynamodb-sms-quota.ts';
import { EventPublisher } from '../adapters/event-publisher.ts';
import type { SesMailer } from '../adapters/ses-mailer.ts';
import { SmsMessenger } from '../adapters/sms-messenger.ts';
import type {
  CodeDeliveryVariable,
  GroupVariable,
  SmsFallbackVariable,
  VariablesEnvironment,
} from '../contracts/environment.ts';
import { ProductMetric } from '../contracts/metrics.ts';
import type { SweepDeps } from '../domain/delivery-status.ts';
import type { OtpUndeliverableDetail } from '../domain/events/code-events.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { type Clock, systemClock, type TextMessenger } from '../domain/otp-record.ts';
import { DailyCappedMessenger } from '../domain/sms-cap.ts';
import type { SmsRecordDeps } from '../domain/sms-delivery.ts';
import {
  createCodeTable,
  createEncryptionKey,
  createMailer,
  createRecipientStore,
  type SdkOptions,
} from './wiring.ts';

/**
 * The SMS sender through SMS_ORIGINATION_IDENTITY, SMS_CONFIGURATION_SET and SMS_PROTECT_CONFIGURATION_ID, at most SMS_MAX_PRICE a
 * message and SMS_DAILY_LIMIT_PER_NUMBER a day to one number (counted in the code table, keyed by an HMAC
 * of the number); undefined when the deployment offers no SMS channel. Call at handler init.
 */
function createMessenger(
  env: VariablesEnvironment<GroupVariable<'sms'>>,
  table: CodeTable,
  encryptionKey: () => Promise<Uint8Array>,
): TextMessenger | undefined {
  if (!smsOffered(env)) return undefined;
  const messenger = new SmsMessenger(
    new PinpointSMSVoiceV2Client({}),
    String(env.SMS_ORIGINATION_IDENTITY),
    String(env.SMS_CONFIGURATION_SET),
    env.SMS_MAX_PRICE,
    env.SMS_PROTECT_CONFIGURATION_ID,
  );
  return new DailyCappedMessenger(messenger, new DynamoDbSmsQuota(table), {
    key: encryptionKey,
    limit: env.SMS_DAILY_LIMIT_PER_NUMBER,
    clock: systemClock,
  });
}

/**
 * The receipt's SMS sender (SMS_ORIGINATION_IDENTITY, SMS_CONFIGURATION_SET, SMS_PROTECT_CONFIGURATION_ID, at most SMS_MAX_PRICE), or
 * undefined without an SMS channel. Not counted against a number's daily limit: one receipt per verified
 * handover, which takes the recipient's own code. Call at handler init.
 */
export function createReceiptMessenger(
  env: VariablesEnvironment<GroupVariable<'sms'>>,
): TextMessenger | undefined {
  if (!smsOffered(env)) return undefined;
  return new SmsMessenger(
    new PinpointSMSVoiceV2Client({}),
    String(env.SMS_ORIGINATION_IDENTITY),
    String(env.SMS_CONFIGURATION_SET),
    env.SMS_MAX_PRICE,
    env.SMS_PROTECT_CONFIGURATION_ID,
  );
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

/** Publisher of the product's events to EVENT_BUS_NAME with EVENT_SOURCE. Call at handler init. */
function createPublisher(env: VariablesEnvironment<GroupVariable<'eventBus'>>): EventPublisher {
  return new EventPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME, env.EVENT_SOURCE);
}

/** The variables the SMS fallback reads (the record-delivery and sweep-delayed functions). */
export type SmsFallbackEnvironment = VariablesEnvironment<SmsFallbackVariable>;

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
  const table = createCodeTable(env);
  const store = new DynamoDbDeliveryClaims(table);
  const recipients = createRecipientStore(env);
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

/**
 * What the SMS fallback needs: one place for its clients and the SMS claim's lease. Call at handler init;
 * the AES key is fetched on the first `deps()`. `statuses` records SES's reports and holds the delayed index.
 */
export function createSmsFallback(env: SmsFallbackEnvironment): {
  readonly statuses: DynamoDbDeliveryStatusStore;
  deps(): Promise<SweepDeps>;
} {
  const table = createCodeTable(env);
  const statuses = new DynamoDbDeliveryStatusStore(table);
  const store = new DynamoDbDeliveryClaims(table);
  const recipients = createRecipientStore(env);
  const encryptionKey = createEncryptionKey(env);
  const messenger = createMessenger(env, table, encryptionKey);
  return {
    statuses,
    deps: async () => ({
      store,
      delayedEmails: statuses,
      recipients,
      ...(messenger ? { messenger } : {}),
      encryptionKey: await encryptionKey(),
      clock: systemClock,
      claimLeaseSeconds: env.SMS_CLAIM_LEASE_SECONDS,
      publishUndeliverable: undeliverablePublisher(env),
    }),
  };
}

/**
 * Publishes `Delivery Otp Undeliverable` to EVENT_BUS_NAME and counts it (the alarm's EMF metric, under
 * POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME, read here at init). Call at handler init.
 */
function undeliverablePublisher(
  env: VariablesEnvironment<GroupVariable<'eventBus'>>,
): (detail: OtpUndeliverableDetail) => Promise<void> {
  const publisher = createPublisher(env);
  const metrics = new Metrics();
  return async (detail) => {
    await publisher.publish(DetailType.OtpUndeliverable, detail);
    // Counted by the product itself (the alarm's metric): a rule's MatchedEvents is best-effort.
    metrics.singleMetric().addMetric(ProductMetric.CodeUndeliverable, MetricUnit.Count, 1);
  };
}

/**
 * What recording End User Messaging's reports on code SMS needs (the record-sms-delivery function): the
 * code table as IAM lets it see it, and the undeliverable report. Call at handler init.
 */
export function createSmsDeliveryRecorder(
  env: VariablesEnvironment<'OTP_TABLE_NAME' | GroupVariable<'eventBus'>>,
): SmsRecordDeps {
  return {
    store: new DynamoDbSmsDeliveryStore(createCodeTable(env)),
    clock: systemClock,
    publishUndeliverable: undeliverablePublisher(env),
  };
}
