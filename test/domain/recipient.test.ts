import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import type {
  ConditionalResult,
  OtpRecord,
  RecipientReader,
  RecipientRecord,
} from '../../lambdas/domain/otp-record.ts';
import { type RecipientDeps, resendCode, sameRecipient, trackCode } from '../../lambdas/domain/recipient.ts';
import { otpRecordHolding } from '../support/fixtures.ts';

const ENCRYPTION_KEY = deriveKey('e'.repeat(64), 'otp-encryption');
const NOW = new Date('2026-12-01T13:00:00Z');
const clock = { now: () => NOW };

function record(issueId: string, code: string, overrides: Partial<OtpRecord> = {}): OtpRecord {
  const { driverId: _unbound, ...unbound } = otpRecordHolding(code, ENCRYPTION_KEY, {
    parcelId: 'PCL-1',
    orderId: 'ORD-1',
    issueId,
    issuedAt: Date.parse('2026-11-30T08:00:00Z') / 1000,
  });
  return { ...unbound, ...overrides };
}

const RECIPIENT: RecipientRecord = {
  parcelId: 'PCL-1',
  email: 'Alex@Example.com',
  name: 'Alex',
  locale: 'en-GB',
  ttl: Date.parse('2026-12-31T23:00:00Z') / 1000,
};
/** The recipient table holding {@link RECIPIENT}. */
const recipients: RecipientReader = { get: async () => RECIPIENT };

/** A store that answers scripted values; only what these operations use. */
function scriptedStore(script: { get: OtpRecord | undefined; countResend?: ConditionalResult[] }) {
  const counts = [...(script.countResend ?? [])];
  const calls: string[] = [];
  const store = {
    get: async () => script.get,
    countResend: async (_parcelId: string, issueId: string) => {
      calls.push(`countResend:${issueId}`);
      return counts.shift() ?? { ok: false, current: undefined };
    },
    releaseResend: async (_parcelId: string, issueId: string, hold: { giveBack: boolean }) => {
      calls.push(`releaseResend:${issueId}${hold.giveBack ? ':uncount' : ''}`);
    },
    markEmailSent: async (_parcelId: string, issueId: string, messageId?: string) => {
      calls.push(`markEmailSent:${issueId}:${messageId}`);
    },
  } as unknown as RecipientDeps['store'];
  return { store, calls };
}

describe('sameRecipient', () => {
  it('matches regardless of case and surrounding spaces, and nothing else', () => {
    expect(sameRecipient('Alex@Example.com', ' alex@example.COM ')).toBe(true);
    expect(sameRecipient('alex@example.com', 'alex@example.org')).toBe(false);
  });

  it('folds ASCII letters only: a KELVIN SIGN or any other Unicode look-alike is another recipient', () => {
    // Prepare: characters whose toLowerCase/toUpperCase lands on an ASCII letter
    const lookAlikes = ['\u212Aelly@example.com', 'kelly@example.\u212Aom', '\u212Aelly@EXAMPLE.COM'];

    // Act
    const matches = lookAlikes.map((claimed) => sameRecipient('kelly@example.com', claimed));

    // Assess
    expect(matches).toEqual([false, false, false]);
    expect(sameRecipient('kelly@example.com', 'KELLY@Example.Com')).toBe(true);
    expect(sameRecipient('\u212Aelly@example.com', 'kelly@example.com')).toBe(false);
  });
});

describe('trackCode', () => {
  it('shows the current code to the parcel’s recipient', async () => {
    const { store } = scriptedStore({ get: record('issue-1', '123456') });

    const result = await trackCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock },
      { parcelId: 'PCL-1', recipientEmail: 'alex@example.com' },
    );

    expect(result).toEqual({
      code: '123456',
      delivery: { email: 'PENDING' },
      validUntil: '2026-12-01T23:00:00.000Z',
    });
  });

  it('answers a wrong recipient exactly like a missing parcel', async () => {
    const wrong = await trackCode(
      {
        store: scriptedStore({ get: record('issue-1', '123456') }).store,
        recipients,
        encryptionKey: ENCRYPTION_KEY,
        clock,
      },
      { parcelId: 'PCL-1', recipientEmail: 'mallory@example.com' },
    );
    const missing = await trackCode(
      { store: scriptedStore({ get: undefined }).store, recipients, encryptionKey: ENCRYPTION_KEY, clock },
      { parcelId: 'PCL-1', recipientEmail: 'mallory@example.com' },
    );

    expect(wrong).toEqual({ refusal: 'NOT_FOUND' });
    expect(missing).toEqual(wrong);
  });

  it('matches the email against the recipient table: a code without a recipient is NOT_FOUND', async () => {
    const result = await trackCode(
      {
        store: scriptedStore({ get: record('issue-1', '123456') }).store,
        recipients: { get: async () => undefined },
        encryptionKey: ENCRYPTION_KEY,
        clock,
      },
      { parcelId: 'PCL-1', recipientEmail: 'alex@example.com' },
    );

    expect(result).toEqual({ refusal: 'NOT_FOUND' });
  });
});

describe('resendCode', () => {
  it('resends the new code when a reissue lands between its read and its write, instead of answering 429', async () => {
    const old = record('issue-1', '111111');
    const reissued = record('issue-2', '222222');
    const { store, calls } = scriptedStore({
      get: old,
      countResend: [
        { ok: false, current: reissued },
        { ok: true, record: { ...reissued, resendCount: 1 } },
      ],
    });
    const sent: string[] = [];
    const mailer = {
      send: async (message: { text: string }) => {
        sent.push(message.text);
        return { messageId: 'm' };
      },
    };

    const result = await resendCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock, mailer, maxResends: 3, leaseSeconds: 15 },
      { parcelId: 'PCL-1', recipientEmail: 'alex@example.com' },
    );

    expect(result).toEqual({ resendsRemaining: 2 });
    expect(calls).toEqual([
      'countResend:issue-1',
      'countResend:issue-2',
      'markEmailSent:issue-2:m',
      'releaseResend:issue-2',
    ]);
    expect(sent[0]).toContain('222222');
  });

  it('answers TOO_MANY_RESENDS when the same code has used its resends', async () => {
    const current = record('issue-1', '111111', { resendCount: 3 });
    const { store } = scriptedStore({ get: current, countResend: [{ ok: false, current }] });
    const mailer = { send: async () => ({ messageId: 'm' }) };

    const result = await resendCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock, mailer, maxResends: 3, leaseSeconds: 15 },
      { parcelId: 'PCL-1', recipientEmail: 'alex@example.com' },
    );

    expect(result).toEqual({ refusal: 'TOO_MANY_RESENDS' });
  });

  it('gives the resend back when SES does not take the email', async () => {
    const current = record('issue-1', '111111');
    const { store, calls } = scriptedStore({
      get: current,
      countResend: [{ ok: true, record: { ...current, resendCount: 1 } }],
    });
    const mailer = {
      send: async () => {
        throw Object.assign(new Error('throttled'), { name: 'EmailThrottledError' });
      },
    };

    const result = resendCode(
      { store, recipients, encryptionKey: ENCRYPTION_KEY, clock, mailer, maxResends: 3, leaseSeconds: 15 },
      { parcelId: 'PCL-1', recipientEmail: 'alex@example.com' },
    );

    await expect(result).rejects.toThrow('throttled');
    expect(calls).toEqual(['countResend:issue-1', 'releaseResend:issue-1:uncount']);
  });
});
