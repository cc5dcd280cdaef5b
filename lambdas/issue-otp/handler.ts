import { readEnvironment } from '../contracts/environment.ts';
import { CheckedParcelSchema } from '../domain/events/parcel-shipped.ts';
import { issueOtp } from '../domain/issuing.ts';
import { systemClock } from '../domain/otp-record.ts';
import { parseInput } from '../shared/event-parsing.ts';
import { createCodeHasher } from '../shared/kms-wiring.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createEncryptionKey } from '../shared/secrets-wiring.ts';
import { createCodeStore, createDynamoDbClient, createRecipientStore } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('issue-otp');
const dynamodb = createDynamoDbClient();
const store = createCodeStore(env, dynamodb);
const recipients = createRecipientStore(env, dynamodb);
const codeHasher = createCodeHasher(env);
const encryptionKey = createEncryptionKey(env);
const retentionDays = env.RECORD_RETENTION_DAYS;
const maxDaysAhead = env.MAX_DELIVERY_DAYS_AHEAD;

/** Step 2 of issuing: creates the parcel's code once (idempotent under duplicate events). */
export const handler = lambdaHandler(logger, async (input: unknown) => {
  const parcel = parseInput(CheckedParcelSchema, input);
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
