import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import {
  codeMacMessage,
  decryptOtpCode,
  digestsEqual,
  encryptOtpCode,
  generateOtpCode,
  isWellFormedOtpCode,
  OTP_DIGITS,
} from '../../lambdas/domain/otp-code.ts';

const SECRET = 'a'.repeat(32) + 'b'.repeat(32);
const OTHER_SECRET = 'c'.repeat(64);
/** A digest shaped like a stored code hash (64 hex characters). */
const DIGEST = createHmac('sha256', 'key').update('message').digest('hex');
const ENCRYPTION_KEY = deriveKey(SECRET, 'otp-encryption');
const OTHER_ENCRYPTION_KEY = deriveKey(OTHER_SECRET, 'otp-encryption');
const PARCEL = 'PCL-789';
const ISSUE = '0b6f2f5e-3c1a-4d8e-9f00-1234567890ab';
const CODE = '482913';

describe('generateOtpCode', () => {
  const SAMPLES = 20_000;

  it('always returns exactly six ASCII digits, leading zeros included', () => {
    // Prepare
    const codes: string[] = [];

    // Act
    for (let i = 0; i < SAMPLES; i++) codes.push(generateOtpCode());

    // Assess
    expect(OTP_DIGITS).toBe(6);
    expect(codes.filter((code) => !/^[0-9]{6}$/.test(code))).toEqual([]);
    // One in ten codes is below 100000; those must keep their leading zero, not shrink to five digits.
    expect(codes.filter((code) => code.startsWith('0')).length).toBeGreaterThan(SAMPLES / 20);
  });

  it('uses every digit 0-9 in every position and does not repeat itself', () => {
    // Prepare
    const seen = Array.from({ length: OTP_DIGITS }, () => new Set<string>());
    const distinct = new Set<string>();

    // Act
    for (let i = 0; i < SAMPLES; i++) {
      const code = generateOtpCode();
      distinct.add(code);
      for (const [position, digit] of [...code].entries()) seen[position]?.add(digit);
    }

    // Assess
    for (const digits of seen) expect([...digits].sort().join('')).toBe('0123456789');
    // 20k draws from 10^6 collide ~200 times on average; far more would mean a weak generator.
    expect(distinct.size).toBeGreaterThan(SAMPLES - 1_000);
  });
});

describe('isWellFormedOtpCode', () => {
  it.each(['000000', '123456', '999999', '012345'])('accepts six ASCII digits %j', (code) => {
    // Act
    const wellFormed = isWellFormedOtpCode(code);

    // Assess
    expect(wellFormed).toBe(true);
  });

  it.each([
    ['Arabic-Indic digits', '١٢٣٤٥٦'],
    ['fullwidth digits', '１２３４５６'],
    ['Devanagari digits', '१२३४५६'],
    ['five digits', '12345'],
    ['seven digits', '1234567'],
    ['empty', ''],
    ['a letter', '12345a'],
    ['an inner space', '123 456'],
    ['a leading space', ' 123456'],
    ['a trailing space', '123456 '],
    ['a trailing newline', '123456\n'],
    ['a sign', '+12345'],
    ['a decimal point', '1234.5'],
    ['an exponent', '1e5000'],
  ])('rejects %s', (_label, code) => {
    // Act
    const wellFormed = isWellFormedOtpCode(code);

    // Assess
    expect(wellFormed).toBe(false);
  });
});

describe('codeMacMessage', () => {
  it('is the same bytes for the same parcel and code', () => {
    // Act
    const first = Buffer.from(codeMacMessage(PARCEL, CODE));
    const second = Buffer.from(codeMacMessage(PARCEL, CODE));

    // Assess
    expect(first.equals(second)).toBe(true);
  });

  it('differs for another parcel and another code', () => {
    // Act
    const messages = [
      codeMacMessage(PARCEL, CODE),
      codeMacMessage('PCL-790', CODE),
      codeMacMessage(PARCEL, '482914'),
    ].map((message) => Buffer.from(message).toString('hex'));

    // Assess
    expect(new Set(messages).size).toBe(3);
  });

  it('keeps parcel and code apart, so shifting digits between them changes the message', () => {
    // Act
    const original = Buffer.from(codeMacMessage('PCL-1', '234567'));
    const shifted = Buffer.from(codeMacMessage('PCL-12', '34567'));

    // Assess
    expect(original.equals(shifted)).toBe(false);
  });

  it("fits KMS GenerateMac's 1 to 4096 bytes for the longest parcel id", () => {
    // Act
    const message = codeMacMessage('P'.repeat(64), '999999');

    // Assess
    expect(message.length).toBeGreaterThanOrEqual(1);
    expect(message.length).toBeLessThanOrEqual(4096);
  });
});

describe('digestsEqual', () => {
  it('is true for equal digests', () => {
    // Prepare
    const digest = DIGEST;

    // Act
    const equal = digestsEqual(digest, `${digest}`);

    // Assess
    expect(equal).toBe(true);
  });

  it('is false for digests of the same length that differ in the last character', () => {
    // Prepare
    const digest = DIGEST;
    const other = `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`;

    // Act
    const equal = digestsEqual(digest, other);

    // Assess
    expect(equal).toBe(false);
  });

  it('is false, without throwing, for digests of different lengths', () => {
    // Prepare
    const digest = DIGEST;

    // Act
    const results = [
      digestsEqual(digest, digest.slice(0, -1)),
      digestsEqual('', digest),
      digestsEqual(digest, ''),
    ];

    // Assess
    expect(results).toEqual([false, false, false]);
  });
});

describe('encryptOtpCode / decryptOtpCode', () => {
  it('round-trips the code', () => {
    // Prepare
    const sealed = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Act
    const opened = decryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, sealed);

    // Assess
    expect(opened).toBe(CODE);
  });

  it('never shows the code in the ciphertext, as text or as bytes', () => {
    // Act
    const sealed = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Assess
    expect(sealed).not.toContain(CODE);
    expect(Buffer.from(sealed, 'base64').includes(Buffer.from(CODE, 'utf8'))).toBe(false);
    // iv (12) | tag (16) | ciphertext (6)
    expect(Buffer.from(sealed, 'base64')).toHaveLength(12 + 16 + CODE.length);
  });

  it('gives a different ciphertext each time (random IV)', () => {
    // Act
    const first = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);
    const second = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Assess
    expect(first).not.toBe(second);
    expect(Buffer.from(first, 'base64').subarray(0, 12)).not.toEqual(
      Buffer.from(second, 'base64').subarray(0, 12),
    );
  });

  it.each([
    ['the IV', 0],
    ['the tag', 12],
    ['the ciphertext', 12 + 16],
  ])('throws when a bit of %s is flipped', (_part, offset) => {
    // Prepare
    const raw = Buffer.from(encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE), 'base64');
    raw[offset] = (raw[offset] ?? 0) ^ 0x01;
    const tampered = raw.toString('base64');

    // Act
    const open = () => decryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, tampered);

    // Assess
    expect(open).toThrow();
  });

  it('throws when the ciphertext is opened for another parcel (associated data)', () => {
    // Prepare
    const sealed = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Act
    const open = () => decryptOtpCode(ENCRYPTION_KEY, 'PCL-790', ISSUE, sealed);

    // Assess
    expect(open).toThrow();
  });

  it('throws when the ciphertext is opened for another issue (associated data)', () => {
    // Prepare
    const sealed = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Act
    const open = () => decryptOtpCode(ENCRYPTION_KEY, PARCEL, '11111111-2222-4333-8444-555555555555', sealed);

    // Assess
    expect(open).toThrow();
  });

  it('throws when the ciphertext is opened with another key', () => {
    // Prepare
    const sealed = encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE);

    // Act
    const open = () => decryptOtpCode(OTHER_ENCRYPTION_KEY, PARCEL, ISSUE, sealed);

    // Assess
    expect(open).toThrow();
  });

  it('throws when the ciphertext is truncated', () => {
    // Prepare
    const raw = Buffer.from(encryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, CODE), 'base64');
    const truncated = raw.subarray(0, raw.length - 1).toString('base64');

    // Act
    const open = () => decryptOtpCode(ENCRYPTION_KEY, PARCEL, ISSUE, truncated);

    // Assess
    expect(open).toThrow();
  });
});

describe('deriveKey', () => {
  it('derives a 32-byte key, the same every time for the same secret and purpose', () => {
    // Act
    const first = deriveKey(SECRET, 'otp-encryption');
    const second = deriveKey(SECRET, 'otp-encryption');

    // Assess
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first).toHaveLength(32);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  it('derives independent keys for different secrets, none of them the secret itself', () => {
    // Act
    const encryption = Buffer.from(deriveKey(SECRET, 'otp-encryption'));
    const otherSecret = Buffer.from(deriveKey(OTHER_SECRET, 'otp-encryption'));

    // Assess
    expect(encryption.equals(otherSecret)).toBe(false);
    expect(encryption.equals(Buffer.from(SECRET.slice(0, 32)))).toBe(false);
  });

  it('throws for a secret shorter than 32 characters and accepts one of exactly 32', () => {
    // Act
    const short = () => deriveKey('x'.repeat(31), 'otp-encryption');
    const exact = deriveKey('x'.repeat(32), 'otp-encryption');

    // Assess
    expect(short).toThrow(/too short/);
    expect(exact).toHaveLength(32);
  });
});
