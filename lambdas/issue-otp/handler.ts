import { ParcelShippedDetailSchema } from '../domain/events/carrier-events.ts';
import { issueOtp } from '../domain/issuing.ts';
import { systemClock } from '../domain/otp-record.ts';
import { parseInput } from '../shared/event-parsing.ts';
import { createLogger, intEnv, lambdaHandler } from '../shared/runtime.ts';
import { codeHasherFromEnv, keyFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();
const recipients = recipientStoreFromEnv();
const codeHasher = codeHasherFromEnv();
const encryptionKey = keyFromEnv('otp-encryption');
const retentionDays = intEnv('RECORD_RETENTION_DAYS', 30);
const maxDaysAhead = intEnv('MAX_DELIVERY_DAYS_AHEAD', 60);

/** Step 2 of issuing: creates the parcel's code once (idempotent under duplicate events). */
export const handler = lambdaHandler(logger, async (input: unknown) => {
  const parcel = parseInput(ParcelShippedDetailSchema, input);
  const result = await issueOtp(
    {
      store,
      recipients,
      keys: { codeHasher, encryptionKey: await encryptionKey() },
      clock: systemClock,
      retentionDays,
      maxDaysAhead,
    },
    parcel,
  );
  logger.info(result.created ? 'Code issued' : 'Code already issued', { parcelId: result.parcelId });
  return result;
});
