import { describe, expect, it } from 'vitest';
import { SmsRejectedError } from '../../lambdas/domain/errors.ts';
import type { TextMessenger } from '../../lambdas/domain/otp-record.ts';
import { DailyCappedMessenger, phoneNumberKey, type SmsDailyQuota } from '../../lambdas/domain/sms-cap.ts';

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
});
