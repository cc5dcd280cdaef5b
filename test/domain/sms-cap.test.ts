import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SmsRejectedError, SmsTransientError } from '../../lambdas/domain/errors.ts';
import type { TextMessenger } from '../../lambdas/domain/otp-record.ts';
import {
  DailyCappedMessenger,
  PHONE_NUMBER_KEY_INFO,
  phoneNumberKey,
  type SmsDailyQuota,
} from '../../lambdas/domain/sms-cap.ts';

const KEY = new Uint8Array(32).fill(7);
const PHONE = '+4915112345678';

/** The quota as the table keeps it: a count per key and day. */
class FakeQuota implements SmsDailyQuota {
  readonly counts = new Map<string, number>();
  async take(numberKey: string, day: string, limit: number): Promise<boolean> {
    const key = `${numberKey}#${day}`;
    const count = this.counts.get(key) ?? 0;
    if (count >= limit) return false;
    this.counts.set(key, count + 1);
    return true;
  }
  async giveBack(numberKey: string, day: string): Promise<void> {
    const key = `${numberKey}#${day}`;
    const count = this.counts.get(key) ?? 0;
    if (count > 0) this.counts.set(key, count - 1);
  }
}

function capped(now: Date, quota = new FakeQuota(), limit = 3) {
  const sent: string[] = [];
  const inner: TextMessenger = {
    send: async (message) => {
      sent.push(message.to);
      return { messageId: `m-${sent.length}` };
    },
  };
  const clock = { now: () => now };
  return {
    sent,
    quota,
    messenger: new DailyCappedMessenger(inner, quota, { key: async () => KEY, limit, clock }),
  };
}

describe('DailyCappedMessenger', () => {
  it('texts one number at most the daily limit across parcels, then refuses for good (SmsRejectedError)', async () => {
    // Prepare
    const { messenger, sent } = capped(new Date('2026-12-01T10:00:00Z'));

    // Act
    for (let message = 0; message < 3; message++)
      await messenger.send({ to: PHONE, body: `code ${message}` });
    const fourth = messenger.send({ to: PHONE, body: 'code 3' });

    // Assess
    await expect(fourth).rejects.toBeInstanceOf(SmsRejectedError);
    expect(sent).toHaveLength(3);
  });

  it('counts each number on its own, and starts again the next day (UTC)', async () => {
    // Prepare
    const quota = new FakeQuota();
    const today = capped(new Date('2026-12-01T23:59:00Z'), quota, 1);
    const tomorrow = capped(new Date('2026-12-02T00:01:00Z'), quota, 1);
    await today.messenger.send({ to: PHONE, body: 'code' });

    // Act
    await today.messenger.send({ to: '+4915199999999', body: 'code' });
    await tomorrow.messenger.send({ to: PHONE, body: 'code' });

    // Assess
    expect([...today.sent, ...tomorrow.sent]).toEqual([PHONE, '+4915199999999', PHONE]);
  });

  it('keys the count by a keyed hash of the number, never the number', async () => {
    // Prepare
    const { messenger, quota } = capped(new Date('2026-12-01T10:00:00Z'));

    // Act
    await messenger.send({ to: PHONE, body: 'code' });

    // Assess
    const [key] = [...quota.counts.keys()];
    expect(key).toBe(`${phoneNumberKey(KEY, PHONE)}#2026-12-01`);
    expect(key).not.toContain('4915112345678');
    expect(phoneNumberKey(new Uint8Array(32).fill(8), PHONE)).not.toBe(phoneNumberKey(KEY, PHONE));
  });

  it('keys its HMAC with its own key, derived from the AES key by HKDF-SHA-256, never with the AES key’s bytes', () => {
    // Prepare
    const derived = Buffer.from(hkdfSync('sha256', KEY, new Uint8Array(0), PHONE_NUMBER_KEY_INFO, 32));

    // Act
    const numberKey = phoneNumberKey(KEY, PHONE);

    // Assess
    expect(numberKey).toBe(createHmac('sha256', derived).update(PHONE).digest('base64url'));
    expect(numberKey).not.toBe(createHmac('sha256', KEY).update(PHONE).digest('base64url'));
    expect(numberKey).not.toBe(
      createHmac('sha256', KEY).update(`sms-daily-quota|${PHONE}`).digest('base64url'),
    );
  });

  it('counts only texts the service took: five transient failures of one code leave the number its five texts', async () => {
    // Prepare: the SMS service fails transiently five times (the send step retries), then works.
    let failures = 5;
    const sent: string[] = [];
    const inner: TextMessenger = {
      async send(message) {
        if (failures-- > 0) throw new SmsTransientError('ThrottlingException');
        sent.push(message.to);
        return { messageId: `m-${sent.length}` };
      },
    };
    const clock = { now: () => new Date('2026-12-06T12:00:00Z') };
    const messenger = new DailyCappedMessenger(inner, new FakeQuota(), {
      key: async () => KEY,
      limit: 5,
      clock,
    });

    // Act: the retries of one code, then the code again once the service is back.
    const outcomes: string[] = [];
    for (let attempt = 1; attempt <= 6; attempt++)
      outcomes.push(
        await messenger.send({ to: PHONE, body: 'code' }).then(
          () => 'SENT',
          (error: Error) => error.name,
        ),
      );

    // Assess
    expect(outcomes).toEqual([...Array(5).fill('SmsTransientError'), 'SENT']);
  });

  it('keeps the count of a text the service refused for good (a blocked country, the price cap)', async () => {
    // Prepare
    const quota = new FakeQuota();
    const inner: TextMessenger = {
      send: async () => {
        throw new SmsRejectedError('DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION');
      },
    };
    const clock = { now: () => new Date('2026-12-06T12:00:00Z') };
    const messenger = new DailyCappedMessenger(inner, quota, { key: async () => KEY, limit: 5, clock });

    // Act
    await messenger.send({ to: PHONE, body: 'code' }).catch(() => undefined);

    // Assess
    expect([...quota.counts.values()]).toEqual([1]);
  });
});
