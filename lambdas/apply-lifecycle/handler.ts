import type { EventBridgeEvent } from 'aws-lambda';
import { closureTtlSeconds } from '../adapters/dynamodb-lifecycle-store.ts';
import { readEnvironment } from '../contracts/environment.ts';
import { InvalidParcelEventError } from '../domain/errors.ts';
import {
  DeliveryAttemptFailedDetailSchema,
  ParcelClosedDetailSchema,
} from '../domain/events/carrier-events.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { handleDeliveryAttemptFailed, revokeCode } from '../domain/lifecycle.ts';
import { systemClock } from '../domain/otp-record.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createCodeHasher } from '../shared/kms-wiring.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createEncryptionKey } from '../shared/secrets-wiring.ts';
import { createLifecycleStore, createRecipientStore } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('apply-lifecycle');
// The closing function: its closures outlive any replay of Parcel Shipped under this stack's settings.
const store = createLifecycleStore(env, {
  closureTtlSeconds: closureTtlSeconds(env.MAX_DELIVERY_DAYS_AHEAD, env.RECORD_RETENTION_DAYS),
});
const recipients = createRecipientStore(env);
const codeHasher = createCodeHasher(env);
const encryptionKey = createEncryptionKey(env);
const limits = {
  retentionDays: env.RECORD_RETENTION_DAYS,
  maxDaysAhead: env.MAX_DELIVERY_DAYS_AHEAD,
  maxWrongAttemptsPerParcel: env.MAX_WRONG_ATTEMPTS_PER_PARCEL,
};

/** Lifecycle step: a failed attempt reissues or revokes; a return or cancellation closes the parcel. */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const detailType = (event as { 'detail-type'?: unknown })['detail-type'];
  let result: Awaited<ReturnType<typeof revokeCode>>;
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
    const { detail } = parseEventDetail(ParcelClosedDetailSchema, event);
    result = await revokeCode({ store, recipients, clock: systemClock }, detail.parcelId, { close: true });
  } else {
    throw new InvalidParcelEventError('detail-type', `not a lifecycle event: ${String(detailType)}`);
  }
  logger.info('Lifecycle applied', { parcelId: result.parcelId, detailType, outcome: result.outcome });
  return result;
});
