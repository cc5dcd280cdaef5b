import type { EventBridgeEvent } from 'aws-lambda';
import { assignDriver } from '../domain/assignment.ts';
import { ParcelOutForDeliveryDetailSchema } from '../domain/parcel-events.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { otpStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();

/** `Parcel Out For Delivery`: binds the parcel's open code to the driver carrying it. */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const { detail } = parseEventDetail(ParcelOutForDeliveryDetailSchema, event);
  const result = await assignDriver({ store }, detail);
  logger.info(result.bound ? 'Driver assigned' : 'No open code to assign', {
    parcelId: result.parcelId,
    driverId: detail.driverId,
  });
  return result;
});
