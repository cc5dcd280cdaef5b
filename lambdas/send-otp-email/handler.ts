import * as z from 'zod/mini';
import { ParcelIdSchema } from '../domain/events/fields.ts';
import { sendOtpEmail } from '../domain/issuing.ts';
import { systemClock } from '../domain/otp-record.ts';
import { messengerFromEnv } from '../shared/delivery-wiring.ts';
import { parseInput } from '../shared/event-parsing.ts';
import { createLogger, intEnv, lambdaHandler } from '../shared/runtime.ts';
import { keyFromEnv, mailerFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();
const recipients = recipientStoreFromEnv();
// The workflow retries throttling with backoff; SDK retries on top would multiply the attempts.
const mailer = mailerFromEnv(1);
const encryptionKey = keyFromEnv('otp-encryption');
const messenger = messengerFromEnv();
const claimLeaseSeconds = intEnv('EMAIL_CLAIM_LEASE_SECONDS', 30);

const SendInputSchema = z.object({ parcelId: ParcelIdSchema, issueId: z.uuid() });

/** Step 3 of issuing: emails the code once per issue; SES errors surface as typed, retryable errors. */
export const handler = lambdaHandler(logger, async (input: unknown) => {
  const request = parseInput(SendInputSchema, input);
  try {
    const result = await sendOtpEmail(
      {
        store,
        recipients,
        mailer,
        messenger,
        encryptionKey: await encryptionKey(),
        clock: systemClock,
        claimLeaseSeconds,
      },
      request,
    );
    logger.info('Code email', {
      parcelId: result.parcelId,
      outcome: result.outcome,
      channel: result.channel ?? 'EMAIL',
    });
    return result;
  } catch (error) {
    logger.warn('Code email failed', { parcelId: request.parcelId, errorName: (error as Error).name });
    throw error;
  }
});
