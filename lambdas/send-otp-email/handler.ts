import * as z from 'zod/mini';
import { readEnvironment } from '../contracts/environment.ts';
import { ParcelIdSchema } from '../domain/events/fields.ts';
import { sendOtpEmail } from '../domain/issuing.ts';
import { createCodeDelivery } from '../shared/delivery-wiring.ts';
import { parseInput } from '../shared/event-parsing.ts';
import { failureFields } from '../shared/failure.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';

const logger = createLogger();
const env = readEnvironment('send-otp-email');
// The workflow retries throttling with backoff; SDK retries on top would multiply the attempts.
const codeDelivery = createCodeDelivery(env, { mailer: { maxAttempts: 1 } });
const claimLeaseSeconds = env.EMAIL_CLAIM_LEASE_SECONDS;

const SendInputSchema = z.object({ parcelId: ParcelIdSchema, issueId: z.uuid() });

/** Step 3 of issuing: emails the code once per issue; SES errors surface as typed, retryable errors. */
export const handler = lambdaHandler(logger, async (input: unknown) => {
  const request = parseInput(SendInputSchema, input);
  try {
    const result = await sendOtpEmail({ ...(await codeDelivery()), claimLeaseSeconds }, request);
    logger.info('Code email', {
      parcelId: result.parcelId,
      outcome: result.outcome,
      channel: result.channel ?? 'EMAIL',
    });
    return result;
  } catch (error) {
    logger.warn('Code email failed', { parcelId: request.parcelId, ...failureFields(error) });
    throw error;
  }
});
