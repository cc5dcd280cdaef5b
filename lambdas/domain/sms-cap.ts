import { createHmac, hkdfSync } from 'node:crypto';
import { SmsRejectedError, SmsTransientError } from './errors.ts';
import type { Clock, TextMessenger } from './otp-record.ts';

/** Counts text messages per phone number and day; the limit is a condition on the write. */
export interface SmsDailyQuota {
  /** Counts one message for `numberKey` on `day` iff fewer than `limit` were counted; false when full. */
  take(numberKey: string, day: string, limit: number): Promise<boolean>;
  /** Uncounts one message `take` counted (never below zero): the service did not take it. */
  giveBack(numberKey: string, day: string): Promise<void>;
}

/** HKDF `info` of the quota's own key: the AES key's bytes never key anything but AES-GCM. */
export const PHONE_NUMBER_KEY_INFO = 'secure-delivery/sms-daily-quota/v1';

/**
 * A phone number as a quota key: an HMAC under a key derived from this deployment's AES key with HKDF-SHA-256
 * (never the number, not even an unkeyed hash: phone numbers are few enough to try them all).
 */
export function phoneNumberKey(encryptionKey: Uint8Array, phoneNumber: string): string {
  const quotaKey = Buffer.from(
    hkdfSync('sha256', encryptionKey, new Uint8Array(0), PHONE_NUMBER_KEY_INFO, 32),
  );
  return createHmac('sha256', quotaKey).update(phoneNumber).digest('base64url');
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

  async send(message: Parameters<TextMessenger['send']>[0]): Promise<{ messageId: string }> {
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
