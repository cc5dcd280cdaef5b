import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import {
  decryptOtpCode,
  digestsEqual,
  encryptOtpCode,
  generateOtpCode,
  hashOtpCode,
  isWellFormedOtpCode,
  OTP_DIGITS,
} from '../../lambdas/domain/otp-code.ts';

const SECRET = 'a'.repeat(32) + 'b'.repeat(32);
const OTHER_SECRET = 'c'.repeat(64);
const HASH_KEY = deriveKey(SECRET, 'otp-hash');
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

describe('hashOtpCode', () => {
  it('is deterministic for the same key, parcel and code', () => {
    // Act
    const first = hashOtpCode(HASH_KEY, PARCEL, CODE);
    const second = hashOtpCode(HASH_KEY, PARCEL, CODE);

    // Assess
    expect(first).toBe(second);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for another parcel, another key and another code', () => {
    // Prepare
    const reference = hashOtpCode(HASH_KEY, PARCEL, CODE);

    // Act
    const otherParcel = hashOtpCode(HASH_KEY, 'PCL-790', CODE);
    const otherKey = hashOtpCode(deriveKey(OTHER_SECRET, 'otp-hash'), PARCEL, CODE);
    const otherCode = hashOtpCode(HASH_KEY, PARCEL, '482914');

    // Assess
    expect(new Set([reference, otherParcel, otherKey, otherCode]).size).toBe(4);
  });

  it('keeps parcel and code apart, so shifting digits between them changes the hash', () => {
    // Act
    const original = hashOtpCode(HASH_KEY, 'PCL-1', '234567');
    const shifted = hashOtpCode(HASH_KEY, 'PCL-12', '34567');

    // Assess
    expect(original).not.toBe(shifted);
  });

  it('never equals or contains the code', () => {
    // Prepare
    const codes = ['000000', '123456', CODE, '999999'];

    // Act
    const hashes = codes.map((code) => hashOtpCode(HASH_KEY, PARCEL, code));

    // Assess
    for (const [index, hash] of hashes.entries()) {
      const code = codes[index] ?? '';
      expect(hash).not.toBe(code);
      expect(hash).not.toContain(code);
    }
  });
});

describe('digestsEqual', () => {
  it('is true for equal digests', () => {
    // Prepare
    const digest = hashOtpCode(HASH_KEY, PARCEL, CODE);

    // Act
    const equal = digestsEqual(digest, `${digest}`);

    // Assess
    expect(equal).toBe(true);
  });

  it('is false for digests of the same length that differ in the last character', () => {
    // Prepare
    const digest = hashOtpCode(HASH_KEY, PARCEL, CODE);
    const other = `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`;

    // Act
    const equal = digestsEqual(digest, other);

    // Assess
    expect(equal).toBe(false);
  });

  it('is false, without throwing, for digests of different lengths', () => {
    // Prepare
    const digest = hashOtpCode(HASH_KEY, PARCEL, CODE);

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
    const first = deriveKey(SECRET, 'otp-hash');
    const second = deriveKey(SECRET, 'otp-hash');

    // Assess
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first).toHaveLength(32);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  it('derives independent keys for different purposes and different secrets', () => {
    // Act
    const hash = Buffer.from(deriveKey(SECRET, 'otp-hash'));
    const encryption = Buffer.from(deriveKey(SECRET, 'otp-encryption'));
    const otherSecret = Buffer.from(deriveKey(OTHER_SECRET, 'otp-hash'));

    // Assess
    expect(hash.equals(encryption)).toBe(false);
    expect(hash.equals(otherSecret)).toBe(false);
  });

  it('throws for a secret shorter than 32 characters and accepts one of exactly 32', () => {
    // Act
    const short = () => deriveKey('x'.repeat(31), 'otp-hash');
    const exact = deriveKey('x'.repeat(32), 'otp-hash');

    // Assess
    expect(short).toThrow(/too short/);
    expect(exact).toHaveLength(32);
  });
});
