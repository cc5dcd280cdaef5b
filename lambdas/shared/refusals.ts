import type { Logger } from '@aws-lambda-powertools/logger';
import { type Refusal, type RefusedOutcome, refusalOfError } from '../domain/refusal.ts';

/** Logs a refusal by its codes only (the parcel id when valid, the field's path), never the event's text. */
export function logRefusal(logger: Logger, refusal: Refusal): void {
  const { parcelId, refusedDetailType, reason, field, eventId } = refusal.detail;
  logger.warn('Carrier event refused', { parcelId, refusedDetailType, reason, field, eventId });
}

/**
 * Runs a workflow step on a carrier event; a typed refusal (a malformed field or time, a delivery day out of
 * range, a closed parcel) comes back as `{ outcome: 'REFUSED', refusal }` for the workflow to announce
 * (`Parcel Event Refused`) and then fail with the typed error. Anything else is thrown as it is.
 */
export async function answeringRefusals<Result>(
  logger: Logger,
  event: unknown,
  step: () => Promise<Result>,
): Promise<Result | RefusedOutcome> {
  try {
    return await step();
  } catch (error) {
    const refusal = refusalOfError(event, error);
    if (!refusal) throw error;
    logRefusal(logger, refusal);
    return { outcome: 'REFUSED', refusal };
  }
}
