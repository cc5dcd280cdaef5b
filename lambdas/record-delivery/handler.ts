import type { EventBridgeEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { deliveryReportFrom, fallBackToSms, recordEmailDelivery } from '../domain/delivery-status.ts';
import { systemClock } from '../domain/otp-record.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createSmsFallback } from '../shared/sms-fallback-wiring.ts';

const logger = createLogger();
const fallback = createSmsFallback(readEnvironment('record-delivery'));
const { statuses } = fallback;

/**
 * SES's events about code emails (default bus, our configuration set) → the email's delivery status; a
 * bounce or rejection sends the code by SMS, or without a phone reports `Delivery Otp Undeliverable`.
 * Errors are retried by EventBridge and Lambda, then the dead-letter queue.
 */
export const handler = lambdaHandler(logger, async (event: EventBridgeEvent<string, unknown>) => {
  const report = deliveryReportFrom(event?.detail);
  if (!report) {
    logger.info('SES event ignored', { detailType: String(event?.['detail-type'] ?? '') });
    return { outcome: 'NOT_A_CODE_EMAIL' };
  }
  const recorded = await recordEmailDelivery({ store: statuses, clock: systemClock }, report);
  logger.info('Email delivery', {
    parcelId: report.parcelId,
    status: report.status,
    outcome: recorded.outcome,
  });
  if (!recorded.fallback) return { parcelId: report.parcelId, outcome: recorded.outcome };
  const outcome = await fallBackToSms(
    await fallback.deps(),
    report.parcelId,
    report.status === 'REJECTED' ? 'EMAIL_REJECTED' : 'EMAIL_BOUNCED',
  );
  logger.info('Code fallback', { parcelId: report.parcelId, outcome });
  return { parcelId: report.parcelId, outcome };
});
