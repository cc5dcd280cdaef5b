import type { EventBridgeEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { deliveryWindowEnd } from '../domain/delivery-window.ts';
import { type ParcelShippedDetail, ParcelShippedDetailSchema } from '../domain/events/carrier-events.ts';
import { systemClock } from '../domain/otp-record.ts';
import { decideOtp, type OtpDecision, parseThresholds } from '../domain/value-policy.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { answeringRefusals } from '../shared/refusals.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createCodeTable, createDynamoDbClient } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('check-value');
const thresholds = parseThresholds(env.OTP_THRESHOLDS);
const maxDaysAhead = env.MAX_DELIVERY_DAYS_AHEAD;
const codes = createCodeTable(env, createDynamoDbClient());

/** Output of the first workflow step: the validated parcel and whether it needs a code. */
export interface CheckValueResult {
  readonly parcelId: string;
  readonly otpRequired: boolean;
  readonly reason: OtpDecision['reason'];
  readonly parcel: ParcelShippedDetail;
  /** The event's id: a later refusal (the parcel was closed) names it. */
  readonly eventId: string;
  /**
   * The parcel already has a code although this event needs none (a second Parcel Shipped with another
   * value or destination): the workflow then announces nothing new. Checked only for such events.
   */
  readonly codeExists: boolean;
}

/**
 * Step 1 of issuing: validates `Parcel Shipped` and applies the value policy; reads only whether a parcel
 * needing no code has one anyway. Writes nothing. A malformed
 * event or a delivery day out of range comes back refused, for the workflow to announce and fail with.
 */
export const handler = lambdaHandler(logger, (event: EventBridgeEvent<string, unknown>) =>
  answeringRefusals(logger, event, async () => {
    const { detail: parcel, id } = parseEventDetail(ParcelShippedDetailSchema, event);
    const decision = decideOtp(parcel, thresholds);
    // Fail fast on a date that could never yield a valid code, before anything is written.
    if (decision.required) {
      deliveryWindowEnd(
        parcel.expectedDeliveryDate,
        parcel.destination.timeZone,
        systemClock.now(),
        maxDaysAhead,
      );
    }
    // "Not required" next to an issued code would read as "hand over without one": say nothing new then.
    const codeExists = !decision.required && (await codes.hasCode(parcel.parcelId));
    logger.info('Value checked', {
      parcelId: parcel.parcelId,
      otpRequired: decision.required,
      reason: decision.reason,
      codeExists,
    });
    return {
      parcelId: parcel.parcelId,
      otpRequired: decision.required,
      reason: decision.reason,
      parcel,
      eventId: id,
      codeExists,
    } satisfies CheckValueResult;
  }),
);
