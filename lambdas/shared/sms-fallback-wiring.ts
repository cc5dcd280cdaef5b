// The SMS fallback's common path is one DynamoDB write: SMS, EventBridge and the AES key load on first use.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import { DynamoDbDeliveryStatusStore } from '../adapters/dynamodb-delivery-status-store.ts';
import { DynamoDbSmsDeliveryStore } from '../adapters/dynamodb-sms-delivery-store.ts';
import type { GroupVariable, SmsFallbackVariable, VariablesEnvironment } from '../contracts/environment.ts';
import { ProductMetric } from '../contracts/metrics.ts';
import type { SweepDeps } from '../domain/delivery-status.ts';
import type { OtpUndeliverableDetail } from '../domain/events/code-events.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { systemClock } from '../domain/otp-record.ts';
import type { SmsRecordDeps } from '../domain/sms-delivery.ts';
import { createEncryptionKeyOnFirstUse, createMessenger, createPublisher } from './on-demand-wiring.ts';
import { createCodeTable, createDynamoDbClient, createRecipientStore } from './wiring.ts';

/** The variables the SMS fallback reads (the record-delivery and sweep-delayed functions). */
export type SmsFallbackEnvironment = VariablesEnvironment<SmsFallbackVariable>;

/**
 * What the SMS fallback needs: one place for its clients and the SMS claim's lease. Call at handler init;
 * the AES key is fetched on the first `deps()`. `statuses` records SES's reports and holds the delayed index.
 */
export function createSmsFallback(env: SmsFallbackEnvironment): {
  readonly statuses: DynamoDbDeliveryStatusStore;
  deps(): Promise<SweepDeps>;
} {
  const dynamodb = createDynamoDbClient();
  const table = createCodeTable(env, dynamodb);
  const statuses = new DynamoDbDeliveryStatusStore(table);
  const store = new DynamoDbDeliveryClaims(table);
  const recipients = createRecipientStore(env, dynamodb);
  const encryptionKey = createEncryptionKeyOnFirstUse(env);
  const messenger = createMessenger(env, table, encryptionKey);
  const publishUndeliverable = undeliverablePublisher(env);
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
      publishUndeliverable,
    }),
  };
}

/**
 * Publishes `Delivery Otp Undeliverable` to EVENT_BUS_NAME (EventBridge loads with the first) and counts
 * it (the alarm's EMF metric, under POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME, read here at
 * init). Call at handler init.
 */
function undeliverablePublisher(
  env: VariablesEnvironment<GroupVariable<'eventBus'>>,
): (detail: OtpUndeliverableDetail) => Promise<void> {
  const publisher = createPublisher(env);
  const metrics = new Metrics();
  return async (detail) => {
    await (await publisher()).publish(DetailType.OtpUndeliverable, detail);
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
    store: new DynamoDbSmsDeliveryStore(createCodeTable(env, createDynamoDbClient())),
    clock: systemClock,
    publishUndeliverable: undeliverablePublisher(env),
  };
}
