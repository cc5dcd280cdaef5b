import { createHmac } from 'node:crypto';
import { SmsRejectedError, SmsTransientError } from './errors.ts';
import type { Clock, TextMessenger } from './otp-record.ts';

/** Counts text messages per phone number and day; the limit is a condition on the write. */
export interface SmsDailyQuota {
  /** Counts one message for `numberKey` on `day` iff fewer than `limit` were counted; false when full. */
  take(numberKey: string, day: string, limit: number): Promise<boolean>;
  /** Uncounts one message `take` counted (never below zero): the service did not take it. */
  giveBack(numberKey: string, day: string): Promise<void>;
}

/**
 * A phone number as a quota key: an HMAC under a key of this deployment's (never the number, not even an
 * unkeyed hash: phone numbers are few enough to try them all).
 */
export function phoneNumberKey(key: Uint8Array, phoneNumber: string): string {
  return createHmac('sha256', key).update(`sms-daily-quota|${phoneNumber}`).digest('base64url');
}

/**
 * A {@link TextMessenger} that sends at most `limit` messages a day (UTC) to one number across all parcels:
 * past it a message is refused for good (`SmsRejectedError`), as a number the service refuses, so the
 * code falls back as for a number without SMS (no retry storm, no pumping one number through many parcels).
 * A transient failure gives its count back, so retrying one code costs the number one text.
 */
export class DailyCappedMessenger implements TextMessenger {
  constructor(
    private readonly inner: TextMessenger,
    private readonly quota: SmsDailyQuota,
    private readonly options: {
      readonly key: () => Promise<Uint8Array>;
      readonly limit: number;
      readonly clock: Clock;
    },
  ) {}

  async send(message: { to: string; body: string }): Promise<{ messageId: string }> {
    const day = this.options.clock.now().toISOString().slice(0, 10);
    const numberKey = phoneNumberKey(await this.options.key(), message.to);
    if (!(await this.quota.take(numberKey, day, this.options.limit)))
      throw new SmsRejectedError('The daily SMS limit of this number is reached');
    try {
      return await this.inner.send(message);
    } catch (error) {
      // A throttled or failed try sent nothing: its retries must not use up the number's day.
      if (error instanceof SmsTransientError) await this.quota.giveBack(numberKey, day);
      throw error;
    }
  }
}
