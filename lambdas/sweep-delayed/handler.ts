import { readEnvironment } from '../contracts/environment.ts';
import { sweepDelayedEmails } from '../domain/delivery-status.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createSmsFallback } from '../shared/sms-fallback-wiring.ts';

const logger = createLogger();
const env = readEnvironment('sweep-delayed');
const fallback = createSmsFallback(env);
const delayedTimeoutSeconds = env.EMAIL_DELAYED_TIMEOUT_SECONDS;

/** Scheduled: code emails DELAYED for longer than the timeout get the SMS fallback (or Undeliverable). */
export const handler = lambdaHandler(logger, async () => {
  const results = await sweepDelayedEmails(await fallback.deps(), delayedTimeoutSeconds);
  for (const result of results) logger.info('Delayed email', result);
  // Those stay in the index for the next sweep; failing the run puts it in the DLQ, whose alarm pages.
  const failed = results.filter((result) => result.outcome.startsWith('FAILED')).length;
  if (failed > 0) throw new Error(`${failed} delayed code emails could not fall back; retried next sweep`);
  return { swept: results.length };
});
