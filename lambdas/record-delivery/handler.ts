import type { EventBridgeEvent } from 'aws-lambda';
import { deliveryReportFrom, recordEmailDelivery, sendCodeBySms } from '../domain/delivery-status.ts';
import { SmsRejectedError } from '../domain/errors.ts';
import { DetailType } from '../domain/identifiers.ts';
import { systemClock } from '../domain/otp-record.ts';
import { messengerFromEnv, publisherFromEnv } from '../shared/delivery-wiring.ts';
import { createLogger, intEnv, lambdaHandler } from '../shared/runtime.ts';
import { keyFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();
const recipients = recipientStoreFromEnv();
const messenger = messengerFromEnv();
const publisher = publisherFromEnv();
const encryptionKey = keyFromEnv('otp-encryption');
const claimLeaseSeconds = intEnv('SMS_CLAIM_LEASE_SECONDS', 30);

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
  const recorded = await recordEmailDelivery({ store, clock: systemClock }, report);
  logger.info('Email delivery', {
    parcelId: report.parcelId,
    status: report.status,
    outcome: recorded.outcome,
  });
  if (!recorded.fallback) return { parcelId: report.parcelId, outcome: recorded.outcome };

  const issueId = recorded.record?.issueId;
  let channel: 'EMAIL' | 'SMS' = 'EMAIL';
  let reason = report.status === 'REJECTED' ? 'EMAIL_REJECTED' : 'EMAIL_BOUNCED';
  try {
    const sms = await sendCodeBySms(
      {
        store,
        recipients,
        messenger,
        encryptionKey: await encryptionKey(),
        clock: systemClock,
        claimLeaseSeconds,
      },
      report.parcelId,
    );
    logger.info('Code SMS', { parcelId: report.parcelId, outcome: sms });
    if (sms === 'IN_FLIGHT') throw new Error('SMS of this code is in flight');
    if (sms !== 'NO_PHONE') return { parcelId: report.parcelId, outcome: sms };
  } catch (error) {
    if (!(error instanceof SmsRejectedError)) throw error;
    logger.warn('Code SMS refused', { parcelId: report.parcelId, errorName: error.name });
    channel = 'SMS';
    reason = 'SMS_REJECTED';
  }
  // No channel left: tell the shop, once per code.
  if (
    !issueId ||
    !(await store.claimUndeliverableReport(
      report.parcelId,
      issueId,
      Math.floor(systemClock.now().getTime() / 1000),
    ))
  )
    return { parcelId: report.parcelId, outcome: 'ALREADY_REPORTED' };
  try {
    await publisher.publish(DetailType.OtpUndeliverable, { parcelId: report.parcelId, channel, reason });
  } catch (error) {
    await store.releaseUndeliverableReport(report.parcelId, issueId);
    throw error;
  }
  logger.info('Code undeliverable', { parcelId: report.parcelId, channel, reason });
  return { parcelId: report.parcelId, outcome: 'UNDELIVERABLE' };
});
