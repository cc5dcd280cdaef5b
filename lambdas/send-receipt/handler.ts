import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { readEnvironment } from '../contracts/environment.ts';
import { tableAccess } from '../contracts/table-access.ts';
import { EmailInFlightError } from '../domain/errors.ts';
import { HandoverVerifiedDetailSchema } from '../domain/events/handover-events.ts';
import { systemClock } from '../domain/otp-record.ts';
import { sendHandoverReceipt } from '../domain/recipient.ts';
import { parseEventDetail } from '../shared/event-parsing.ts';
import { createReceiptMessenger } from '../shared/on-demand-wiring.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createMailer } from '../shared/ses-wiring.ts';
import { createDeliveryClaims, createDynamoDbClient, createRecipientStore } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('send-receipt');
const dynamodb = createDynamoDbClient();
const store = createDeliveryClaims(env, dynamodb);
// Only what it needs of the recipient (IAM allows no more).
const recipients = createRecipientStore(
  env,
  dynamodb,
  tableAccess('send-receipt', 'RECIPIENT_TABLE_NAME').read,
);
const mailer = createMailer(env);
const messenger = createReceiptMessenger(env);
const leaseSeconds = env.EMAIL_CLAIM_LEASE_SECONDS;

// Reads only what it needs of the event (a tolerant reader): the receipt is about the announced handover.
const HandoverVerifiedSchema = z.pick(HandoverVerifiedDetailSchema, { parcelId: true, verifiedAt: true });

/**
 * `Parcel Handover Verified` → a receipt to the recipient (by SMS when the code email bounced and a phone
 * is on file); errors are retried by EventBridge, then the DLQ.
 */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const { detail } = parseEventDetail(HandoverVerifiedSchema, event);
  const outcome = await sendHandoverReceipt(
    { store, recipients, mailer, ...(messenger ? { messenger } : {}), clock: systemClock, leaseSeconds },
    { parcelId: detail.parcelId, verifiedAt: new Date(detail.verifiedAt) },
  );
  logger.info('Handover receipt', { parcelId: detail.parcelId, outcome });
  // A claim still in flight may be this event's own earlier, timed-out try: fail so Lambda retries
  // after the lease, instead of reporting success for a receipt nobody sent.
  if (outcome === 'IN_FLIGHT') throw new EmailInFlightError(`Receipt for ${detail.parcelId} is in flight`);
  return { parcelId: detail.parcelId, outcome };
});
