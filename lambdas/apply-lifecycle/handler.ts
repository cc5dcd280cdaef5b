import type { EventBridgeEvent } from 'aws-lambda';
import { InvalidParcelEventError } from '../domain/errors.ts';
import {
  DeliveryAttemptFailedDetailSchema,
  ParcelClosedDetailSchema,
} from '../domain/events/carrier-events.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { handleDeliveryAttemptFailed, revokeCode } from '../domain/lifecycle.ts';
import { systemClock } from '../domain/otp-record.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createLogger, intEnv, lambdaHandler } from '../shared/runtime.ts';
import { codeHasherFromEnv, keyFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();
const recipients = recipientStoreFromEnv();
const codeHasher = codeHasherFromEnv();
const encryptionKey = keyFromEnv('otp-encryption');
const limits = {
  retentionDays: intEnv('RECORD_RETENTION_DAYS', 30),
  maxDaysAhead: intEnv('MAX_DELIVERY_DAYS_AHEAD', 60),
  maxWrongAttemptsPerParcel: intEnv('MAX_WRONG_ATTEMPTS_PER_PARCEL', 10),
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
    result = await revokeCode({ store, recipients, clock: systemClock }, detail.parcelId, true);
  } else {
    throw new InvalidParcelEventError('detail-type', `not a lifecycle event: ${String(detailType)}`);
  }
  logger.info('Lifecycle applied', { parcelId: result.parcelId, detailType, outcome: result.outcome });
  return result;
});
