import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { systemClock } from '../domain/otp-record.ts';
import { ParcelIdSchema } from '../domain/parcel-events.ts';
import { sendHandoverReceipt } from '../domain/recipient.ts';
import { createLogger, intEnv, lambdaHandler, parseEventDetail, requireEnv } from '../shared/runtime.ts';

const logger = createLogger();
const store = new DynamoDbOtpStore(new DynamoDBClient({}), requireEnv('OTP_TABLE_NAME'));
const mailer = new SesMailer(
  new SESClient({}),
  requireEnv('SENDER_EMAIL'),
  process.env.SES_CONFIGURATION_SET,
);
const leaseSeconds = intEnv('EMAIL_CLAIM_LEASE_SECONDS', 120);

const HandoverVerifiedSchema = z.object({ parcelId: ParcelIdSchema });

/** `Parcel Handover Verified` → a receipt to the recipient; errors are retried by EventBridge, then the DLQ. */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const { detail } = parseEventDetail(HandoverVerifiedSchema, event);
  const outcome = await sendHandoverReceipt(
    { store, mailer, clock: systemClock, leaseSeconds },
    detail.parcelId,
  );
  logger.info('Handover receipt', { parcelId: detail.parcelId, outcome });
  return { parcelId: detail.parcelId, outcome };
});
