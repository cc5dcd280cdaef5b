import type { EventBridgeEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { assignDriver } from '../domain/assignment.ts';
import { ParcelOutForDeliveryDetailSchema } from '../domain/events/carrier-events.ts';
import { systemClock } from '../domain/otp-record.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createCodeStore } from '../shared/wiring.ts';

const logger = createLogger();
const store = createCodeStore(readEnvironment('assign-driver'));

/** `Parcel Out For Delivery`: binds the parcel's open code to the driver carrying it. */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const { detail, time } = parseEventDetail(ParcelOutForDeliveryDetailSchema, event);
  // The event's own time orders bindings: a late or replayed event cannot undo a newer one.
  const result = await assignDriver({ store, clock: systemClock }, detail, new Date(time));
  logger.info('Driver assignment', {
    parcelId: result.parcelId,
    driverId: detail.driverId,
    outcome: result.outcome,
  });
  return result;
});
