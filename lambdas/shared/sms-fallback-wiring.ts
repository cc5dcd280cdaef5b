// The SMS fallback's common path is one DynamoDB write: SMS, EventBridge and the AES key load on first use.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbDeliveryClaims } from '../adapters/dynamodb-delivery-claims.ts';
import { DynamoDbDeliveryStatusStore } from '../adapters/dynamodb-delivery-status-store.ts';
import type { SmsFallbackVariable, VariablesEnvironment } from '../contracts/environment.ts';
import { ProductMetric } from '../contracts/metrics.ts';
import type { SweepDeps } from '../domain/delivery-status.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { systemClock } from '../domain/otp-record.ts';
import { createEncryptionKeyOnFirstUse, createMessenger, createPublisher } from './on-demand-wiring.ts';
import { createCodeTable, createRecipientStore } from './wiring.ts';

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
  const table = createCodeTable(env);
  const statuses = new DynamoDbDeliveryStatusStore(table);
  const store = new DynamoDbDeliveryClaims(table);
  const recipients = createRecipientStore(env);
  const encryptionKey = createEncryptionKeyOnFirstUse(env);
  const messenger = createMessenger(env, table, encryptionKey);
  const publisher = createPublisher(env);
  // Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME, read here at init.
  const metrics = new Metrics();
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
      publishUndeliverable: async (detail) => {
        await (await publisher()).publish(DetailType.OtpUndeliverable, detail);
        // Counted by the product itself (the alarm's metric): a rule's MatchedEvents is best-effort.
        metrics.singleMetric().addMetric(ProductMetric.CodeUndeliverable, MetricUnit.Count, 1);
      },
    }),
  };
}
