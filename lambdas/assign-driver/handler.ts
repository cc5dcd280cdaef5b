import type { EventBridgeEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { assignDriver } from '../domain/assignment.ts';
import { DetailType } from '../domain/events/detail-types.ts';
import { ParcelOutForDeliveryDetailSchema } from '../domain/events/route-events.ts';
import { systemClock } from '../domain/otp-record.ts';
import { type Refusal, refusalOfAssignment, refusalOfError } from '../domain/refusal.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createPublisher } from '../shared/on-demand-wiring.ts';
import { logRefusal } from '../shared/refusals.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createCodeStore, createDynamoDbClient } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('assign-driver');
const store = createCodeStore(env, createDynamoDbClient());
// A refusal is rare: EventBridge loads with the first one.
const publisher = createPublisher(env);

/** Puts `Parcel Event Refused` on the bus; the carrier learns why its event changed nothing. */
async function answer(refusal: Refusal) {
  logRefusal(logger, refusal);
  await (await publisher()).publish(DetailType.ParcelEventRefused, refusal.detail);
  return { outcome: 'REFUSED' as const, reason: refusal.detail.reason };
}

/**
 * `Parcel Out For Delivery`: binds the parcel's open code to the driver carrying it. A refused event
 * (malformed, stamped ahead, a closed or handed-over parcel, a revoked code) is answered with
 * `Parcel Event Refused` and not thrown: a retry cannot change a refusal.
 */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  let result: Awaited<ReturnType<typeof assignDriver>>;
  try {
    const { detail, time } = parseEventDetail(ParcelOutForDeliveryDetailSchema, event);
    // The event's own time orders bindings: a late or replayed event cannot undo a newer one.
    result = await assignDriver({ store, clock: systemClock }, detail, new Date(time));
    logger.info('Driver assignment', {
      parcelId: result.parcelId,
      driverId: detail.driverId,
      outcome: result.outcome,
      ...(result.refusedBecause ? { refusedBecause: result.refusedBecause } : {}),
    });
  } catch (error) {
    const refusal = refusalOfError(event, error);
    if (!refusal) throw error;
    return answer(refusal);
  }
  const refusal = refusalOfAssignment(event, result);
  return refusal ? answer(refusal) : result;
});
