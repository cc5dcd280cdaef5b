import type { EventBridgeEvent } from 'aws-lambda';
import { closureTtlSeconds } from '../adapters/dynamodb-lifecycle-store.ts';
import { readEnvironment } from '../contracts/environment.ts';
import { InvalidParcelEventError } from '../domain/errors.ts';
import { orderingTime } from '../domain/event-time.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import {
  DeliveryAttemptFailedDetailSchema,
  ParcelClosedDetailSchema,
} from '../domain/events/route-events.ts';
import { handleDeliveryAttemptFailed, type LifecycleOutcome, revokeCode } from '../domain/lifecycle.ts';
import { systemClock } from '../domain/otp-record.ts';
import { type RefusedOutcome, refusalOfOutcome } from '../domain/refusal.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createCodeHasher } from '../shared/kms-wiring.ts';
import { answeringRefusals, logRefusal } from '../shared/refusals.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createEncryptionKey } from '../shared/secrets-wiring.ts';
import { createDynamoDbClient, createLifecycleStore, createRecipientStore } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('apply-lifecycle');
// The closing function: its closures outlive any replay of Parcel Shipped under this stack's settings.
const dynamodb = createDynamoDbClient();
const store = createLifecycleStore(env, dynamodb, {
  closureTtlSeconds: closureTtlSeconds(env.MAX_DELIVERY_DAYS_AHEAD, env.RECORD_RETENTION_DAYS),
});
const recipients = createRecipientStore(env, dynamodb);
const codeHasher = createCodeHasher(env);
const encryptionKey = createEncryptionKey(env);
const limits = {
  retentionDays: env.RECORD_RETENTION_DAYS,
  maxDaysAhead: env.MAX_DELIVERY_DAYS_AHEAD,
  maxWrongAttemptsPerParcel: env.MAX_WRONG_ATTEMPTS_PER_PARCEL,
};

/** A lifecycle event applied: what it did; or refused, for the workflow to announce. */
async function apply(event: EventBridgeEvent<string, unknown>): Promise<LifecycleOutcome | RefusedOutcome> {
  const detailType = (event as { 'detail-type'?: unknown })['detail-type'];
  let result: LifecycleOutcome;
  if (detailType === DetailType.DeliveryAttemptFailed) {
    const { detail, time } = parseEventDetail(DeliveryAttemptFailedDetailSchema, event);
    // The failure's own event time orders it against Out For Delivery events (they arrive unordered).
    result = await handleDeliveryAttemptFailed(
      {
        store,
        recipients,
        keys: { codeHasher, encryptionKey: await encryptionKey() },
        clock: systemClock,
        ...limits,
      },
      detail,
      new Date(time),
    );
  } else if (detailType === DetailType.ParcelReturned || detailType === DetailType.ShipmentCancelled) {
    const { detail, time } = parseEventDetail(ParcelClosedDetailSchema, event);
    // A closure applies whatever its time, but a clock days ahead is the carrier's to fix, as for every event.
    orderingTime(new Date(time), systemClock.now());
    result = await revokeCode({ store, recipients, clock: systemClock }, detail.parcelId, { close: true });
  } else {
    throw new InvalidParcelEventError('detail-type', `not a lifecycle event: ${String(detailType)}`);
  }
  logger.info('Lifecycle applied', { parcelId: result.parcelId, detailType, outcome: result.outcome });
  const refusal = refusalOfOutcome(event, result);
  if (!refusal) return result;
  logRefusal(logger, refusal);
  return { outcome: 'REFUSED', refusal };
}

/**
 * Lifecycle step: a failed attempt reissues or revokes; a return or cancellation closes the parcel. An
 * event that cannot apply (malformed, stamped ahead, an unknown, closed or handed-over parcel) comes back
 * refused, for the workflow to announce.
 */
export const handler = lambdaHandler(logger, (event: EventBridgeEvent<string, unknown>) =>
  answeringRefusals(logger, event, () => apply(event)),
);
