import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeliveryDateOutOfRangeError,
  OtpNotFoundError,
  ParcelClosedError,
} from '../../lambdas/domain/errors.ts';
import { type IssuingKeys, issueOtp, sendOtpEmail } from '../../lambdas/domain/issuing.ts';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import { decryptOtpCode, isWellFormedOtpCode } from '../../lambdas/domain/otp-code.ts';
import type { Clock, Mailer, OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { parcelShippedDetail } from '../support/fixtures.ts';
import { codeMac, testCodeHasher } from './fake-code-hasher.ts';
import { FakeOtpStore } from './fake-otp-store.ts';
import { FakeRecipientStore } from './fake-recipient-store.ts';

const SECRET = 'k'.repeat(64);
const KEYS: IssuingKeys = {
  codeHasher: testCodeHasher,
  encryptionKey: deriveKey(SECRET, 'otp-encryption'),
};
const LEASE_SECONDS = 120;
const RETENTION_DAYS = 30;
// 2026-12-01 11:00 in Berlin.
const NOW = new Date('2026-12-01T10:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const PARCEL = parcelShippedDetail({
  recipient: { email: 'erika@example.com', name: 'Erika Mustermann', locale: 'en-GB' },
});

class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date): void {
    this.current = instant;
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

interface SentMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

class FakeMailer implements Mailer {
  readonly sent: SentMessage[] = [];
  attempts = 0;
  private failures: Error[] = [];

  failNextWith(error: Error): void {
    this.failures.push(error);
  }

  async send(message: SentMessage): Promise<{ messageId: string }> {
    this.attempts++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(message);
    return { messageId: `msg-${this.sent.length}` };
  }
}

let store: FakeOtpStore;
let recipients: FakeRecipientStore;
let clock: TestClock;
let mailer: FakeMailer;

beforeEach(() => {
  store = new FakeOtpStore();
  recipients = new FakeRecipientStore();
  clock = new TestClock(NOW);
  mailer = new FakeMailer();
});

const issueDeps = () => ({
  store,
  recipients,
  keys: KEYS,
  clock,
  retentionDays: RETENTION_DAYS,
  maxDaysAhead: 60,
});
const sendDeps = () => ({
  store,
  recipients,
  mailer,
  encryptionKey: KEYS.encryptionKey,
  clock,
  claimLeaseSeconds: LEASE_SECONDS,
});

function storedRecord(parcelId = PARCEL.parcelId): OtpRecord {
  const record = store.peek(parcelId);
  if (!record) throw new Error(`no record for ${parcelId}`);
  return record;
}

/** The code the stored record holds, recovered the way the email step does. */
function storedCode(record: OtpRecord): string {
  return decryptOtpCode(KEYS.encryptionKey, record.parcelId, record.issueId, record.codeCiphertext);
}

describe('issueOtp', () => {
  it('stores a keyed hash and a ciphertext of a six-digit code, never the code itself', async () => {
    // Act
    await issueOtp(issueDeps(), PARCEL);

    // Assess
    const record = storedRecord();
    const code = storedCode(record);
    expect(isWellFormedOtpCode(code)).toBe(true);
    expect(record.codeHash).toBe(codeMac(PARCEL.parcelId, code));
    expect(Object.values(record)).not.toContain(code);
    const { codeHash: _hash, codeCiphertext: _ciphertext, ...rest } = record;
    expect(JSON.stringify(rest)).not.toContain(code);
  });

  it('stores an open record: ISSUED, no wrong attempts, no driver, no email state', async () => {
    // Act
    await issueOtp(issueDeps(), PARCEL);

    // Assess
    expect(storedRecord()).toMatchObject({
      parcelId: 'PCL-789',
      orderId: '123-456',
      status: 'ISSUED',
      wrongAttempts: 0,
      totalWrongAttempts: 0,
      issueCount: 1,
      timeZone: 'Europe/Berlin',
      deliveryDate: '2026-12-01',
    });
    expect(storedRecord().driverId).toBeUndefined();
    expect(storedRecord().emailStatus).toBeUndefined();
  });

  it('makes the code valid until the end of the local delivery day and keeps the record for the retention', async () => {
    // Act
    const result = await issueOtp(issueDeps(), PARCEL);

    // Assess
    const endOfDay = Date.parse('2026-12-01T23:00:00Z') / 1000;
    expect(result.validUntil).toBe('2026-12-01T23:00:00.000Z');
    expect(storedRecord()).toMatchObject({
      expiresAt: endOfDay,
      ttl: endOfDay + RETENTION_DAYS * 86_400,
      issuedAt: NOW_SECONDS,
    });
  });

  it('returns the parcel, issue, creation flag and expiry, and nothing that could carry the code', async () => {
    // Act
    const result = await issueOtp(issueDeps(), PARCEL);

    // Assess
    expect(Object.keys(result).sort()).toEqual(['created', 'issueId', 'parcelId', 'validUntil']);
    expect(result).toMatchObject({ parcelId: 'PCL-789', created: true, issueId: storedRecord().issueId });
    expect(result.issueId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('issues nothing new for a duplicate event: created false, same issue, same code', async () => {
    // Prepare
    const first = await issueOtp(issueDeps(), PARCEL);
    const original = storedRecord();

    // Act
    const second = await issueOtp(issueDeps(), PARCEL);

    // Assess
    expect(second).toEqual({ ...first, created: false });
    expect(storedRecord()).toEqual(original);
    expect(store.callCount('createIfAbsent')).toBe(2);
  });

  it('issues a different code for each parcel', async () => {
    // Prepare
    const codes = new Set<string>();

    // Act
    for (let i = 0; i < 20; i++) {
      await issueOtp(issueDeps(), { ...PARCEL, parcelId: `PCL-${i}` });
      codes.add(storedCode(storedRecord(`PCL-${i}`)));
    }

    // Assess: 20 draws from 10^6 codes collide with probability ~0.02%.
    expect(codes.size).toBeGreaterThanOrEqual(19);
  });

  it('refuses a delivery day that is already over and stores nothing', async () => {
    // Prepare: 2026-12-02 00:00 in Berlin.
    clock.set(new Date('2026-12-01T23:00:00Z'));

    // Act
    const issue = issueOtp(issueDeps(), PARCEL);

    // Assess
    await expect(issue).rejects.toBeInstanceOf(DeliveryDateOutOfRangeError);
    expect(store.callCount()).toBe(0);
  });
});

describe('issueOtp and the recipient', () => {
  it('keeps email, name and locale in the recipient store, none of them in the code record', async () => {
    // Act
    await issueOtp(issueDeps(), PARCEL);

    // Assess
    const record = storedRecord();
    expect(recipients.peek(PARCEL.parcelId)).toEqual({
      parcelId: 'PCL-789',
      email: 'erika@example.com',
      name: 'Erika Mustermann',
      locale: 'en-GB',
      ttl: record.ttl,
    });
    const stored = JSON.stringify(record);
    for (const detail of ['erika@example.com', 'Erika Mustermann', 'en-GB'])
      expect(stored).not.toContain(detail);
  });

  it('writes the recipient before the code: a crash between them leaves no code without a recipient', async () => {
    // Prepare: the code write fails as a crashed or timed-out Lambda would.
    const crashing = Object.assign(Object.create(store) as FakeOtpStore, {
      createIfAbsent: async () => {
        throw new Error('crashed');
      },
    });

    // Act
    await expect(issueOtp({ ...issueDeps(), store: crashing }, PARCEL)).rejects.toThrow('crashed');
    const retried = await issueOtp(issueDeps(), PARCEL);

    // Assess
    expect(recipients.peek(PARCEL.parcelId)?.email).toBe('erika@example.com');
    expect(retried.created).toBe(true);
    expect(recipients.peek(PARCEL.parcelId)?.ttl).toBe(storedRecord().ttl);
  });

  it('keeps the first recipient: a duplicate Parcel Shipped naming another one does not redirect the code', async () => {
    // Prepare
    await issueOtp(issueDeps(), PARCEL);

    // Act
    await issueOtp(issueDeps(), {
      ...PARCEL,
      recipient: { ...PARCEL.recipient, email: 'mallory@example.com' },
    });

    // Assess
    expect(recipients.peek(PARCEL.parcelId)?.email).toBe('erika@example.com');
  });

  it('moves the recipient ttl up to the code a later redelivery creates, so it never expires first', async () => {
    // Prepare: the first run wrote the recipient, then crashed before the code.
    const crashing = Object.assign(Object.create(store) as FakeOtpStore, {
      createIfAbsent: async () => {
        throw new Error('crashed');
      },
    });
    await issueOtp({ ...issueDeps(), store: crashing }, PARCEL).catch(() => undefined);
    const firstTtl = recipients.peek(PARCEL.parcelId)?.ttl ?? 0;

    // Act: redelivered days later, for a later delivery date.
    clock.advanceSeconds(3 * 86_400);
    await issueOtp(issueDeps(), { ...PARCEL, expectedDeliveryDate: '2026-12-10' });

    // Assess
    expect(storedRecord().ttl).toBeGreaterThan(firstTtl);
    expect(recipients.peek(PARCEL.parcelId)?.ttl).toBe(storedRecord().ttl);
  });

  it('keeps no recipient for a parcel closed before its code was issued', async () => {
    // Prepare: the code table refuses the code, as it does for a returned or cancelled parcel.
    const closed = Object.assign(Object.create(store) as FakeOtpStore, {
      createIfAbsent: async () => {
        throw new ParcelClosedError('closed');
      },
    });

    // Act
    const issue = issueOtp({ ...issueDeps(), store: closed }, PARCEL);

    // Assess
    await expect(issue).rejects.toMatchObject({ name: 'ParcelClosedError' });
    expect(recipients.peek(PARCEL.parcelId)).toBeUndefined();
  });

  it('refuses a redelivered Parcel Shipped after the parcel was returned, and keeps its recipient deleted', async () => {
    // Prepare: issued, then returned (the closure deleted the recipient).
    await issueOtp(issueDeps(), PARCEL);
    await store.revoke(PARCEL.parcelId, { nowSeconds: NOW_SECONDS, close: true });
    await recipients.delete(PARCEL.parcelId);

    // Act: EventBridge delivers at least once; an archive replay or a DLQ redrive sends it again.
    const redelivered = issueOtp(issueDeps(), PARCEL);

    // Assess
    await expect(redelivered).rejects.toMatchObject({ name: 'ParcelClosedError' });
    expect(recipients.peek(PARCEL.parcelId)).toBeUndefined();
  });
});

describe('sendOtpEmail', () => {
  async function issued(): Promise<{ parcelId: string; issueId: string }> {
    const { parcelId, issueId } = await issueOtp(issueDeps(), PARCEL);
    store.resetCalls();
    return { parcelId, issueId };
  }

  it('emails the decrypted code to the recipient, in text and HTML but not in the subject', async () => {
    // Prepare
    const input = await issued();
    const code = storedCode(storedRecord());

    // Act
    const result = await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(result).toEqual({ ...input, emailSent: true, outcome: 'SENT', channel: 'EMAIL' });
    expect(mailer.sent).toHaveLength(1);
    const [email] = mailer.sent;
    expect(email?.to).toBe('erika@example.com');
    expect(email?.text).toContain(code);
    expect(email?.html).toContain(code);
    expect(email?.subject).toContain('123-456');
    expect(email?.subject).not.toContain(code);
    expect(storedRecord().emailStatus).toBe('SENT');
  });

  it('says the code is new when it replaced an earlier one (issueCount > 1)', async () => {
    // Prepare
    const input = await issued();
    store.seed({ ...storedRecord(), issueCount: 2 });

    // Act
    await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(mailer.sent[0]?.subject).toBe('Your new delivery code for order 123-456');
    expect(mailer.sent[0]?.text).toContain(storedCode(storedRecord()));
  });

  it('uses the first-code template for the first code', async () => {
    // Prepare
    const input = await issued();

    // Act
    await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(mailer.sent[0]?.subject).toBe('Your delivery code for order 123-456');
  });

  it('sends once: a second call finds the email sent and sends nothing', async () => {
    // Prepare
    const input = await issued();
    await sendOtpEmail(sendDeps(), input);

    // Act
    const second = await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(second).toEqual({ ...input, emailSent: false, outcome: 'ALREADY_SENT' });
    expect(mailer.attempts).toBe(1);
  });

  it('releases its claim and rethrows the same error when the mailer fails', async () => {
    // Prepare
    const input = await issued();
    const failure = Object.assign(new Error('SES throttled'), { name: 'EmailThrottledError' });
    mailer.failNextWith(failure);

    // Act
    const failed = sendOtpEmail(sendDeps(), input);

    // Assess
    await expect(failed).rejects.toBe(failure);
    expect(storedRecord().emailStatus).toBeUndefined();
    expect(storedRecord().emailClaimedAt).toBeUndefined();
    expect(store.callCount('releaseEmailClaim')).toBe(1);
    expect(store.callCount('markEmailSent')).toBe(0);
  });

  it('sends on an immediate retry after a failed send, well inside the lease', async () => {
    // Prepare
    const input = await issued();
    mailer.failNextWith(Object.assign(new Error('SES throttled'), { name: 'EmailThrottledError' }));
    await sendOtpEmail(sendDeps(), input).catch(() => undefined);
    clock.advanceSeconds(1);

    // Act
    const retry = await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(retry).toEqual({ ...input, emailSent: true, outcome: 'SENT', channel: 'EMAIL' });
    expect(mailer.attempts).toBe(2);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.text).toContain(storedCode(storedRecord()));
    expect(storedRecord().emailStatus).toBe('SENT');
  });

  it('does not send while another sender holds a fresh claim (IN_FLIGHT), up to the end of the lease', async () => {
    // Prepare: a concurrent run claimed the email and is still sending.
    const input = await issued();
    await store.claimEmail(input.parcelId, input.issueId, NOW_SECONDS, LEASE_SECONDS);
    clock.advanceSeconds(LEASE_SECONDS);

    // Act
    const result = await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(result).toEqual({ ...input, emailSent: false, outcome: 'IN_FLIGHT' });
    expect(mailer.attempts).toBe(0);
  });

  it('takes over a stale claim once the lease has run out (the other sender crashed)', async () => {
    // Prepare
    const input = await issued();
    await store.claimEmail(input.parcelId, input.issueId, NOW_SECONDS, LEASE_SECONDS);
    clock.advanceSeconds(LEASE_SECONDS + 1);

    // Act
    const result = await sendOtpEmail(sendDeps(), input);

    // Assess
    expect(result.outcome).toBe('SENT');
    expect(mailer.sent).toHaveLength(1);
    expect(storedRecord().emailStatus).toBe('SENT');
  });

  it('sends exactly one email when two runs race for the same issue', async () => {
    // Prepare
    const input = await issued();

    // Act
    const results = await Promise.all([sendOtpEmail(sendDeps(), input), sendOtpEmail(sendDeps(), input)]);

    // Assess
    expect(results.map((result) => result.outcome).sort()).toEqual(['IN_FLIGHT', 'SENT']);
    expect(mailer.sent).toHaveLength(1);
  });

  it('throws OtpNotFoundError for an issue that is not the current one, and sends nothing', async () => {
    // Prepare
    const input = await issued();

    // Act
    const stale = sendOtpEmail(sendDeps(), { ...input, issueId: '11111111-2222-4333-8444-555555555555' });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(OtpNotFoundError);
    expect(store.callCount('claimEmail')).toBe(0);
    expect(mailer.attempts).toBe(0);
  });

  it('sends nothing and fails with RecipientNotFoundError when an open code has no recipient', async () => {
    // Prepare
    const { parcelId, issueId } = await issueOtp(issueDeps(), PARCEL);
    await recipients.delete(parcelId);

    // Act
    const send = sendOtpEmail(sendDeps(), { parcelId, issueId });

    // Assess: the claim is given back, so a retry after a repair can send.
    await expect(send).rejects.toMatchObject({ name: 'RecipientNotFoundError', parcelId });
    expect(mailer.attempts).toBe(0);
    expect(storedRecord().emailStatus).toBeUndefined();
  });

  it('sends nothing (CODE_CLOSED) when a closure revoked the code and deleted its recipient mid-send', async () => {
    // Prepare: the closure lands between the send step's read and its claim.
    const { parcelId, issueId } = await issueOtp(issueDeps(), PARCEL);
    const racing = Object.assign(Object.create(store) as FakeOtpStore, {
      claimEmail: async (...args: Parameters<FakeOtpStore['claimEmail']>) => {
        const claim = await store.claimEmail(...args);
        store.seed({ ...storedRecord(), status: 'REVOKED' });
        return claim;
      },
    });
    await recipients.delete(parcelId);

    // Act
    const result = await sendOtpEmail({ ...sendDeps(), store: racing }, { parcelId, issueId });

    // Assess
    expect(result).toMatchObject({ emailSent: false, outcome: 'CODE_CLOSED' });
    expect(mailer.attempts).toBe(0);
  });

  it('throws OtpNotFoundError for a parcel without a code', async () => {
    // Act
    const missing = sendOtpEmail(sendDeps(), {
      parcelId: 'PCL-unknown',
      issueId: '11111111-2222-4333-8444-555555555555',
    });

    // Assess
    await expect(missing).rejects.toMatchObject({ name: 'OtpNotFoundError', parcelId: 'PCL-unknown' });
    expect(mailer.attempts).toBe(0);
  });
});
