import { readEnvironment } from '../contracts/environment.ts';
import { recordSmsDelivery, type SmsRecordOutcome, smsReportsFrom } from '../domain/sms-delivery.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createSmsDeliveryRecorder } from '../shared/sms-fallback-wiring.ts';

const logger = createLogger();
const deps = createSmsDeliveryRecorder(readEnvironment('record-sms-delivery'));

/**
 * End User Messaging SMS's events about code SMS (our configuration set's SNS destination) → the SMS's
 * delivery status on the code's item; a failed SMS whose email failed too reports `Delivery Otp
 * Undeliverable`. The whole notification is validated before anything is written; the event's phone
 * number is never read, logged or stored. Errors are retried by Lambda, then the on-failure queue.
 */
export const handler = lambdaHandler(logger, async (event: unknown) => {
  const reports = smsReportsFrom(event);
  const outcomes: { parcelId: string; outcome: SmsRecordOutcome }[] = [];
  for (const report of reports) {
    const outcome = await recordSmsDelivery(deps, report);
    logger.info('SMS delivery', { parcelId: report.parcelId, status: report.status, outcome });
    outcomes.push({ parcelId: report.parcelId, outcome });
  }
  if (reports.length === 0) logger.info('SMS event ignored');
  return { outcomes };
});
