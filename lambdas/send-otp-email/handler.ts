import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { z } from 'zod';
import { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { SesMailer } from '../adapters/ses-mailer.ts';
import { sendOtpEmail } from '../domain/issuing.ts';
import { systemClock } from '../domain/otp-record.ts';
import { ParcelIdSchema } from '../domain/parcel-events.ts';
import { createLogger, intEnv, lambdaHandler, parseInput, requireEnv } from '../shared/runtime.ts';

const logger = createLogger();
const store = new DynamoDbOtpStore(new DynamoDBClient({}), requireEnv('OTP_TABLE_NAME'));
// The workflow retries throttling with backoff; SDK retries on top would multiply the attempts.
const mailer = new SesMailer(
  new SESClient({ maxAttempts: 1 }),
  requireEnv('SENDER_EMAIL'),
  process.env.SES_CONFIGURATION_SET,
);
const encryptionKey = cachedKey(
  new SecretsManagerClient({}),
  requireEnv('OTP_ENCRYPTION_SECRET_ARN'),
  'otp-encryption',
);
const claimLeaseSeconds = intEnv('EMAIL_CLAIM_LEASE_SECONDS', 120);

const SendInputSchema = z.object({ parcelId: ParcelIdSchema, issueId: z.uuid() });

/** Step 3 of issuing: emails the code once per issue; SES errors surface as typed, retryable errors. */
export const handler = lambdaHandler(logger, async (input: unknown) => {
  const request = parseInput(SendInputSchema, input);
  try {
    const result = await sendOtpEmail(
      { store, mailer, encryptionKey: await encryptionKey(), clock: systemClock, claimLeaseSeconds },
      request,
    );
    logger.info('Code email', { parcelId: result.parcelId, outcome: result.outcome });
    return result;
  } catch (error) {
    logger.warn('Code email failed', { parcelId: request.parcelId, errorName: (error as Error).name });
    throw error;
  }
});
